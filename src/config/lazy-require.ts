import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A library loaded at its first use, then kept: commands that never use it (`backtest` on the default
 * schedule, a daemon without WALLETS_FILE) never pay its start-up, and a caller in a loop (the yaml library
 * at every map key: a createRequire each took 180 ms of a 10,000-wallet load) pays it once. Synchronous, as
 * the settings load is: the library's CommonJS build, one copy in the process.
 */
export function lazyRequire<T>(id: string): () => T {
  let lib: T | undefined;
  return () => (lib ??= require(id) as T);
}
