/** The page script, served as /assets/app.js (same origin: CSP allows it). A module rather than a file, so dist/ carries it without a copy step. */
export const APP_JS = String.raw`// wallet-sentinel status page: refreshes the live part of the page in place every data-refresh seconds
// (no full reload: the filter, the focus and the scroll position stay). Served from the daemon itself.
// A refresh that fails says so above the figures, with the time they are from, until one succeeds.
const every = Number(document.body.dataset.refresh || 0);

function stale(why) {
  const live = document.getElementById('live');
  let note = document.getElementById('stale');
  if (!note) {
    note = document.createElement('p');
    note.id = 'stale';
    note.className = 'stale';
    note.setAttribute('role', 'alert');
    live.before(note);
  }
  const since = live.querySelector('.asof time');
  note.textContent = 'Not updated since ' + (since ? since.textContent : 'this page was loaded') + ': ' + why + '. Retrying every ' + every + ' s; the figures below may be out of date.';
}

async function refresh() {
  const live = document.getElementById('live');
  if (document.hidden || !live) return;
  if (live.contains(document.activeElement) && document.activeElement !== document.body) return;
  let res;
  try {
    res = await fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store' });
  } catch {
    return stale('the daemon did not answer');
  }
  if (!res.ok) return stale('the daemon answered HTTP ' + res.status);
  const next = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('live');
  if (!next) return stale('the answer was not this page');
  live.replaceWith(document.importNode(next, true));
  document.getElementById('stale')?.remove();
}

if (every > 0) {
  setInterval(refresh, every * 1000);
  document.addEventListener('visibilitychange', () => document.hidden || refresh()); // back to the tab: now, not at the next tick
}
`;
