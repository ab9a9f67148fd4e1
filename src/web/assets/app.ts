/** The page script, served as /assets/app.js (same origin: CSP allows it). A module rather than a file, so dist/ carries it without a copy step. */
export const APP_JS = String.raw`// wallet-sentinel status page: refreshes the live part of the page in place every data-refresh seconds
// (no full reload: the filter, the focus and the scroll position stay). Served from the daemon itself.
const every = Number(document.body.dataset.refresh || 0);
if (every > 0) {
  setInterval(async () => {
    const live = document.getElementById('live');
    if (document.hidden || !live) return;
    if (live.contains(document.activeElement) && document.activeElement !== document.body) return;
    try {
      const res = await fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store' });
      if (!res.ok) return;
      const next = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('live');
      if (next) live.replaceWith(document.importNode(next, true));
    } catch {
      // the daemon restarts or the network is down: try again at the next tick
    }
  }, every * 1000);
}
`;
