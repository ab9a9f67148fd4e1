/**
 * Strings a fleet keeps per wallet for its whole life (label text, origins, hints, settings read from
 * WALLETS_FILE), made cheap to keep. V8 builds a concatenation (`${a}/${b}`, `a + b`) as a tree of
 * 32-byte nodes over its parts, and a substring of 13 characters or more as a slice that keeps the whole
 * string it was cut from alive (a wallet's `api_url` kept the wallets file's text): a heap snapshot of
 * 10,000 wallets held 214,000 such nodes. `flat` makes one sequential copy; `shared` also gives every
 * wallet with the same text the same copy.
 */

/** A flat (sequential) copy of `s`, equal to it: no concatenation tree, no slice of a larger string. */
export function flat(s: string): string {
  // A JSON round trip is exact for every string (lone surrogates are escaped and read back) and ~1 µs.
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Bounded: a daemon reloaded with ever new values forgets them all at once rather than keeping every one. */
const MAX_SHARED = 4096;
const known = new Map<string, string>();

/** One flat copy of `s` for every caller with the same text (a fleet's origin, routing, hints, label values). */
export function shared(s: string): string {
  const hit = known.get(s);
  if (hit !== undefined) return hit;
  if (known.size >= MAX_SHARED) known.clear();
  const copy = flat(s);
  known.set(copy, copy);
  return copy;
}
