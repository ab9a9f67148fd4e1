/** How balances and rates are shown to people and receivers (the webhook body, `check --format nagios`). PURE. */

/** 4 decimals from 1 up; below, 4 significant digits (0.00004 BTC is not a wallet at 0). */
export function roundShown(n: number, digits = 4): number {
  if (Math.abs(n) < 1 && n !== 0) return Number(n.toPrecision(digits));
  // past 2^53 ÷ 10^digits a double holds no such decimals, and the product was rounded (1e21 came back 1.0000000000000001e21)
  return Math.abs(n) * 10 ** digits < Number.MAX_SAFE_INTEGER ? Math.round(n * 10 ** digits) / 10 ** digits : n;
}

/**
 * `n` as a plain decimal, never with an exponent, which perfdata parsers refuse: String() writes one below
 * 1e-6 (`4e-7`) and from 1e21 (`1e+21`).
 */
export function plainDecimal(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, rest = '', exp] = m;
  const digits = lead! + rest;
  const e = Number(exp);
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  return e + 1 >= digits.length ? `${sign}${digits}${'0'.repeat(e + 1 - digits.length)}` : `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}
