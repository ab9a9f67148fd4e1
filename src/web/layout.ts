/** The page shell every status page shares: head, header, footer (the daemon's other endpoints). PURE. */
import { html, type Html } from './format.js';

/** Seconds between in-place refreshes of the live part of a page. */
export const REFRESH_SECONDS = 15;

/** Response headers for every page and API answer: nothing from another host, ever (air-gapped networks). */
export const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

export function page(o: { title: string; body: Html; now: number; refresh?: boolean }): string {
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${o.title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/style.css"><script src="/assets/app.js" defer></script></head>
<body data-refresh="${o.refresh === false ? 0 : REFRESH_SECONDS}"><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/">wallet-sentinel</a><span class="muted">Which wallets run out, when, and why</span></header>
<main id="main">${o.body}</main>
<footer><ul aria-label="Other endpoints"><li><a href="/api/wallets">/api/wallets</a></li><li><a href="/api/status">/api/status</a></li><li><a href="/metrics">/metrics</a></li><li><a href="/healthz">/healthz</a></li><li><a href="/readyz">/readyz</a></li></ul>
<p>Updates itself every ${REFRESH_SECONDS} s.</p></footer></body></html>`}\n`;
}
