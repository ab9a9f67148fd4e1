/** The page script, served as /assets/app.js (same origin: CSP allows it). A module rather than a file, so dist/ carries it without a copy step. */
export const APP_JS = String.raw`// wallet-sentinel status page: refreshes the live part of the page in place every data-refresh seconds
// (no full reload: the filter, the focus and the scroll positions stay). Served from the daemon itself.
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

// Where the focus was inside the live part, to put it back in the new one: the same id, the same link, or
// the element at the same place (a table or chart scrolled by keyboard). Scroll offsets of the scroll
// boxes are kept too. (Skipping the refresh while something had focus left the figures old, silently.)
function focusOf(live) {
  const el = document.activeElement;
  if (!el || el === document.body || !live.contains(el) || el === live) return null;
  const path = [];
  for (let at = el; at !== live; at = at.parentElement) path.unshift([...at.parentElement.children].indexOf(at));
  return { id: el.id, href: el.getAttribute('href'), tag: el.tagName, path };
}

function refocus(live, was) {
  if (!was) return;
  let el = was.id ? document.getElementById(was.id) : null;
  if (!el && was.href !== null) el = [...live.querySelectorAll('a[href]')].find((a) => a.getAttribute('href') === was.href) || null;
  if (!el) {
    el = live;
    for (const i of was.path) el = el && el.children[i];
  }
  if (el && el.tagName === was.tag && live.contains(el)) el.focus({ preventScroll: true });
}

const SCROLL_BOXES = '.table-wrap, .chart-wrap';

// A refresh waits this long for the whole page, then gives up and says so: a daemon paused or frozen (a
// stopped container, a blocked event loop) accepts the connection and never answers, and a fetch without
// an end left the last figures up as if live. One refresh at a time: the ticks meanwhile are skipped.
const WAIT_S = Math.max(every, 10);
let pending = false;

async function refresh() {
  const live = document.getElementById('live');
  if (document.hidden || !live || pending) return;
  pending = true;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), WAIT_S * 1000);
  let res;
  let text;
  try {
    res = await fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store', signal: ctl.signal });
    text = res.ok ? await res.text() : '';
  } catch {
    return stale(ctl.signal.aborted ? 'the daemon did not answer within ' + WAIT_S + ' s' : 'the daemon did not answer');
  } finally {
    clearTimeout(timer);
    pending = false;
  }
  if (!res.ok) return stale('the daemon answered HTTP ' + res.status);
  const next = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
  if (!next) return stale('the answer was not this page');
  const was = focusOf(live);
  const scrolled = [...live.querySelectorAll(SCROLL_BOXES)].map((e) => [e.scrollLeft, e.scrollTop]);
  const fresh = document.importNode(next, true);
  live.replaceWith(fresh);
  fresh.querySelectorAll(SCROLL_BOXES).forEach((e, i) => {
    if (scrolled[i]) [e.scrollLeft, e.scrollTop] = scrolled[i];
  });
  refocus(fresh, was);
  document.getElementById('stale')?.remove();
}

if (every > 0) {
  setInterval(refresh, every * 1000);
  document.addEventListener('visibilitychange', () => document.hidden || refresh()); // back to the tab: now, not at the next tick
}
`;
