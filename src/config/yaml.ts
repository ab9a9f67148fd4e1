import { createRequire } from 'node:module';

/**
 * The yaml library, loaded at the first file it reads: `backtest`, and a daemon with neither WALLETS_FILE nor
 * WEB_CONFIG_FILE, never pay its ~25 ms of start-up. Synchronous, as the settings load is.
 */
export const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');
