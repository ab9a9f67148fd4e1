/** Warnings for environment variables that look like ours but are not (a typo silently ignored costs an alert). */

/** The first word of our variables: a variable starting with one of these is probably meant for us. */
const PREFIXES = ['TELEPHONY', 'ALERT', 'ALERTMANAGER', 'SMTP', 'METRICS', 'POLL', 'SHARD', 'WALLETS', 'RUNWAY', 'SPEND'];

/**
 * For each variable that is not one of `known`: a warning if it is a near miss of a known name (edit
 * distance at most 2, and under a quarter of its length), or if its first word is one of our prefixes
 * (`TELEPHONY_…`, `SMTP_…`). Anything else (PATH, HOME, the platform's own) is left alone.
 */
export function typoWarnings(names: Iterable<string>, known: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    let best: [string, number] | undefined;
    for (const k of known) {
      if (best !== undefined && Math.abs(name.length - k.length) >= best[1]) continue; // its distance is at least that
      const d = distance(name, k);
      if (best === undefined || d < best[1]) best = [k, d];
    }
    const near = best !== undefined && best[1] <= 2 && best[1] < name.length / 4;
    // Only an exact first word: a near miss of one (`WALLET_`) is what Kubernetes names a Service's
    // variables after (`WALLET_SENTINEL_PORT` for a Service `wallet-sentinel`); a typo in the first word
    // is still caught by the distance to the whole name (`METRIC_PORT`, `TELEPHONE_API_KEY`).
    const ours = name.includes('_') && PREFIXES.includes(name.split('_', 1)[0]!);
    if (!near && !ours) continue;
    const hint = best !== undefined && best[1] <= 3 ? `did you mean ${best[0]}?` : 'a typo?';
    warnings.push(`${name}: unknown variable, ignored (${hint})`);
  }
  return warnings;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions: `ULR` is one edit from `URL`). */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
