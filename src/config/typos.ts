/** Warnings for environment variables that look like ours but are not (a typo silently ignored costs an alert). */

/** The first word of our variables: a variable starting with one of these is probably meant for us. */
const PREFIXES = ['TELEPHONY', 'ALERT', 'ALERTMANAGER', 'SMTP', 'METRICS', 'POLL', 'SHARD', 'WALLETS', 'RUNWAY', 'SPEND', 'LOW', 'CRITICAL', 'TOPUP'];

/** Suffixes our names end in that a typo may leave off. */
const UNITS = ['_MS', '_HOURS'];

/** A known name this close is offered as the one meant. */
const HINT_DISTANCE = 3;

/**
 * For each variable that is not one of `known`: a warning if it is a known name in another case, a near miss
 * of one (edit distance at most 2, and under a quarter of its length), or if its first word is one of our prefixes
 * (`TELEPHONY_…`, `SMTP_…`, `LOW_…`). Anything else (PATH, HOME, the platform's own) is left alone; so are the
 * first words of our names that other programs use too (`LOG_`, `STATE_`, `WEB_`, `REQUEST_`, `ACCOUNT_`).
 */
export function typoWarnings(names: Iterable<string>, known: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    // Names are matched upper-cased, so `low_balance_threshold` (the wallets file's spelling) is caught as
    // LOW_BALANCE_THRESHOLD, which the environment alone reads.
    const upper = name.toUpperCase();
    if (known.has(upper)) {
      warnings.push(`${name}: unknown variable, ignored (did you mean ${upper}? variable names are upper case)`);
      continue;
    }
    let best: [string, number] | undefined;
    for (const k of known) {
      // A name's distance is at least the difference of the lengths: past HINT_DISTANCE it names nothing,
      // and it cannot beat the best found so far. (Kubernetes gives a pod ~7 variables per Service.)
      const apart = Math.abs(name.length - k.length);
      if (apart > HINT_DISTANCE || (best !== undefined && apart >= best[1])) continue;
      const d = distance(upper, k);
      if (best === undefined || d < best[1]) best = [k, d];
    }
    // A unit left off (`REQUEST_TIMEOUT` for REQUEST_TIMEOUT_MS): three letters are a quarter of a short name.
    const unit = UNITS.map((u) => `${upper}${u}`).find((k) => known.has(k));
    if (unit !== undefined) best = [unit, 0];
    const near = unit !== undefined || (best !== undefined && best[1] <= 2 && best[1] < name.length / 4);
    // Only an exact first word: a near miss of one (`WALLET_`) is what Kubernetes names a Service's
    // variables after (`WALLET_SENTINEL_PORT` for a Service `wallet-sentinel`); a typo in the first word
    // is still caught by the distance to the whole name (`METRIC_PORT`, `TELEPHONE_API_KEY`).
    const ours = name.includes('_') && PREFIXES.includes(upper.split('_', 1)[0]!);
    if (!near && !ours) continue;
    const hint = best !== undefined && best[1] <= HINT_DISTANCE ? `did you mean ${best[0]}?` : 'a typo?';
    warnings.push(`${name}: unknown variable, ignored (${hint})`);
  }
  return warnings;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions: `ULR` is one edit from `URL`). */
export function distance(a: string, b: string): number {
  const w = b.length + 1;
  const d = new Uint16Array((a.length + 1) * w); // row i at i × w
  for (let j = 0; j < w; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    d[i * w] = i;
    for (let j = 1; j < w; j++) {
      const at = i * w + j;
      let v = Math.min(d[at - w]! + 1, d[at - 1]! + 1, d[at - w - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[at - 2 * w - 2]! + 1);
      d[at] = v;
    }
  }
  return d[d.length - 1]!;
}
