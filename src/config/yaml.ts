import { lazyRequire } from './lazy-require.js';

/**
 * The yaml library, loaded at the first file it reads: `backtest`, and a daemon with neither WALLETS_FILE nor
 * WEB_CONFIG_FILE, never pay its ~25 ms of start-up.
 */
export const yaml = lazyRequire<typeof import('yaml')>('yaml');

/**
 * `uniqueKeys` for our files: two keys of one map are the same if they read the same as text. `true:` and
 * `"true":` (or `1:` and `"1":`) are different YAML keys, but both become the key 'true', and the second
 * silently replaced the first (a receiver, a label, a user).
 */
export function sameKeyAsText(a: unknown, b: unknown): boolean {
  const { isScalar } = yaml();
  return a === b || (isScalar(a) && isScalar(b) && String(a.value) === String(b.value));
}
