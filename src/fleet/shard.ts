/**
 * Stable hashes of a wallet's name, PURE: the same on every process and every version, so N replicas
 * split one WALLETS_FILE with each wallet watched exactly once, and a wallet keeps its place in the
 * schedule across restarts and reloads.
 */

/** FNV-1a, 32 bits, over the name's UTF-8 bytes. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard that watches `name`: FNV-1a of the name modulo SHARD_COUNT. */
export function shardOf(name: string, count: number): number {
  return fnv1a(name) % count;
}

/**
 * Where in the schedule interval a wallet is polled, as a fraction in [0, 1). A second hash (of the name
 * with a suffix) so a shard's wallets, which share `fnv1a % count`, still spread over the whole interval.
 */
export function slotFraction(name: string): number {
  return fnv1a(`${name}#slot`) / 2 ** 32;
}

/** Which shard this process is, for /api/status and the status page (undefined when not sharded). */
export interface ShardView {
  readonly index: number;
  readonly count: number;
  /** Wallets in WALLETS_FILE, every shard's. */
  readonly walletsInFile: number;
}

export const shardView = (shard: { index: number; count: number }, walletsInFile: number): ShardView | undefined =>
  shard.count > 1 ? { index: shard.index, count: shard.count, walletsInFile } : undefined;

/** `/api/status`'s `shard` (a shard's document lists its own wallets only); nothing when not sharded. */
export const shardJson = (s: ShardView | undefined): { shard?: { index: number; count: number; wallets_in_file: number } } =>
  s === undefined ? {} : { shard: { index: s.index, count: s.count, wallets_in_file: s.walletsInFile } };

export function walletsOfShard<W extends { name: string }>(wallets: readonly W[], shard: { count: number; index: number }): W[] {
  return wallets.filter((w) => shardOf(w.name, shard.count) === shard.index);
}
