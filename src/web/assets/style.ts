/** The stylesheet, served as /assets/style.css. A module rather than a file, so dist/ carries it without a copy step. */
export const STYLE_CSS = String.raw`/* wallet-sentinel status page. Light and dark (prefers-color-scheme); colours meet WCAG AA contrast. */
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1a1a1a; --muted: #555555; --line: #d6d6d6; --panel: #f5f6f8; --link: #0b57d0;
  --ok: #1b7f3b; --warn-text: #8a4b00; --warn-bg: #ffd58f; --warn-fg: #3d2600; --crit-bg: #b3261e; --crit-fg: #ffffff;
  --balance: #1f5fbf; --forecast: #b3261e; --band: #f2b8b5; --topup: #1b7f3b; --burn: #6a3fb5; --grid: #e3e3e3; --axis: #555555;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #121417; --fg: #e8e8e8; --muted: #a9adb3; --line: #353a40; --panel: #1c2025; --link: #8ab4f8;
    --ok: #6fd08c; --warn-text: #ffcf7a; --warn-bg: #ffcf7a; --warn-fg: #2b1a00; --crit-bg: #ff8a80; --crit-fg: #2b0000;
    --balance: #8ab4f8; --forecast: #ff8a80; --band: #6b2b27; --topup: #6fd08c; --burn: #c5a3ff; --grid: #2c3137; --axis: #a9adb3;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, [tabindex]:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
header.top, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 16px; }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; padding-top: 12px; }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
h1 { font-size: 1.5rem; margin: 8px 0; }
h2 { font-size: 1.15rem; margin: 24px 0 8px; }
.muted, .tick { color: var(--muted); }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; }
form.filter { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0 12px; }
form.filter input { font: inherit; padding: 6px 8px; min-width: 16rem; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); }
button, .button { font: inherit; padding: 6px 12px; border: 1px solid var(--muted); border-radius: 4px; background: var(--panel); color: var(--fg); cursor: pointer; text-decoration: none; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 20px; margin: 4px 0 8px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; white-space: nowrap; }
thead th { background: var(--panel); font-weight: 600; position: sticky; top: 0; white-space: normal; }
tbody th { font-weight: 600; white-space: normal; overflow-wrap: anywhere; min-width: 8rem; max-width: 18rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.err { white-space: normal; min-width: 10rem; max-width: 18rem; }
td.alerts { white-space: normal; min-width: 9rem; max-width: 16rem; }
tbody tr:hover { background: var(--panel); }
.labels { display: block; font-size: 0.8rem; color: var(--muted); }
/* Names, labels and error messages are the user's or the upstream's: long unbroken ones wrap instead of widening the page. */
h1, p.muted, .card .v, td.err, .todo { overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 0.8rem; font-weight: 600; margin: 1px 2px 1px 0; }
.sev-critical { background: var(--crit-bg); color: var(--crit-fg); }
.sev-warning { background: var(--warn-bg); color: var(--warn-fg); }
.trouble { border-left: 4px solid var(--crit-bg); background: var(--panel); padding: 8px 14px; border-radius: 4px; margin: 0 0 12px; }
.trouble ul { margin: 0.25rem 0 0.5rem; padding-left: 1.25rem; }
.band-critical { color: var(--forecast); font-weight: 700; }
.band-warning { color: var(--warn-text); font-weight: 700; }
.band-ok { color: var(--ok); }
.runway-band { display: block; font-size: 0.8rem; color: var(--muted); }
.nw { white-space: nowrap; }
nav.pages { display: flex; gap: 12px; align-items: center; margin: 10px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 10px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .k { display: block; font-size: 0.8rem; color: var(--muted); }
.card .v { font-size: 1.15rem; font-weight: 600; }
.todo { border-left: 4px solid var(--forecast); background: var(--panel); padding: 8px 14px; border-radius: 4px; }
.todo.calm { border-left-color: var(--ok); }
.stale { border-left: 4px solid var(--crit-bg); background: var(--panel); padding: 8px 14px; border-radius: 4px; font-weight: 600; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 4px; }
svg.spark { vertical-align: middle; }
svg.chart { width: 100%; height: auto; max-width: 960px; display: block; }
svg .grid { stroke: var(--grid); }
svg .axis { stroke: var(--axis); }
svg text { fill: var(--axis); }
svg .series-balance { stroke: var(--balance); }
svg .series-forecast, svg .rule-critical line { stroke: var(--forecast); }
svg .rule-critical text { fill: var(--forecast); }
svg .rule-warning line { stroke: var(--axis); }
svg .rule-now line { stroke: var(--axis); }
/* a horizon's label sits beside its own line and may cross a neighbour's (72 h and 24 h near the chart's right edge): a halo of the page's colour keeps it readable */
svg .rule text { paint-order: stroke; stroke: var(--bg); stroke-width: 3px; stroke-linejoin: round; }
svg .band-band { fill: var(--band); }
svg .marker-topup { fill: var(--topup); }
svg .series-burn { stroke: var(--burn); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; padding: 0; margin: 6px 0; font-size: 0.9rem; }
.legend .sw { display: inline-block; width: 14px; height: 4px; vertical-align: middle; margin-right: 6px; }
.sw-balance { background: var(--balance); } .sw-forecast { background: var(--forecast); } .sw-band { background: var(--band); height: 10px !important; }
.sw-topup { background: var(--topup); border-radius: 50%; width: 9px !important; height: 9px !important; }
.sw-horizon { border-top: 2px dashed var(--axis); height: 0 !important; }
footer { margin-top: 32px; padding-bottom: 24px; color: var(--muted); font-size: 0.9rem; }
footer ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  form.filter input { min-width: 0; flex: 1; }
  th, td { padding: 5px 6px; }
  /* the fleet table as one card per wallet: runway and alerts stay in view without scrolling sideways */
  #wallets thead, #timeline thead { position: absolute; left: -9999px; }
  #wallets, #wallets tbody, #wallets tr, #wallets th, #wallets td, #timeline, #timeline tbody, #timeline tr, #timeline td { display: block; white-space: normal; }
  #wallets tr, #timeline tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
  #wallets td, #wallets tbody th, #timeline td { border: 0; padding: 2px 8px; text-align: left; }
  #wallets td::before, #timeline td::before { content: attr(data-label) ": "; color: var(--muted); font-size: 0.85rem; }
  #wallets .runway-band { display: inline; margin-left: 6px; }
  /* a chart keeps a readable size and scrolls sideways rather than shrinking its text to 5 px */
  .chart-wrap { overflow-x: auto; }
  svg.chart { min-width: 600px; }
}
`;
