/**
 * What a SIGHUP reload reads and says (App.reload applies it): WALLETS_FILE, read once it stopped changing and
 * checked whole, and the outcome in the log and in wallet_sentinel_config_last_reload_successful. A file with
 * any problem changes nothing: the running set stays, the problems are logged, and the gauge is 0.
 */
import { reloadWallets } from './config/load.js';
import { fileSettled, SETTLE_LIMIT_MS } from './config/settled.js';
import { textDigest } from './config/wallets-file.js';
import type { Settings } from './config/settings.js';
import { ConfigError } from './errors.js';
import type { ReloadSummary } from './fleet/fleet.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';

export interface ReloadReading {
  /** The settings in force (the last good WALLETS_FILE). */
  settings: Settings;
  log: Logger;
  metrics: Pick<Metrics, 'configReloadSuccessful'>;
  /** Aborted once a stop is asked: a reload still reading the file applies nothing. */
  stopping: AbortSignal;
  /** How many wallets are watched now: what a refused reload says it keeps. */
  watching: () => number;
  /** A file whose text has this digest (the one start-up read) is left as it is, quietly. */
  unlessDigest?: string | undefined;
}

/**
 * The wallets and receivers WALLETS_FILE holds now; undefined when there is nothing to apply (no
 * WALLETS_FILE, a stop asked, the file as start-up read it, or a file refused: said in the log, the gauge 0).
 * Anything but a ConfigError is thrown, the gauge set to 0 first.
 */
export async function readReload(d: ReloadReading): Promise<ReturnType<typeof reloadWallets> | undefined> {
  const { settings, log } = d;
  if (settings.walletsFile === undefined) {
    log.warn('SIGHUP: nothing to reload: the wallet comes from the environment (set WALLETS_FILE to reload wallets without a restart)');
    return undefined;
  }
  const seen = await fileSettled(settings.walletsFile);
  if (d.stopping.aborted) {
    log.info('reload dropped: the daemon is stopping');
    return undefined;
  }
  if (!seen.settled) {
    d.metrics.configReloadSuccessful.set(0);
    log.error(`reload refused: WALLETS_FILE was still changing after ${SETTLE_LIMIT_MS / 1000} s (a writer at work?); still watching the ${d.watching()} wallet(s) of the last good configuration: send SIGHUP once it is written`);
    return undefined;
  }
  if (seen.text !== undefined && d.unlessDigest !== undefined && textDigest(seen.text) === d.unlessDigest) {
    log.debug('WALLETS_FILE is as start-up read it: nothing to reload');
    return undefined;
  }
  let loaded: ReturnType<typeof reloadWallets>;
  try {
    loaded = reloadWallets({ ...settings, walletsFile: settings.walletsFile }, seen.text);
  } catch (err) {
    d.metrics.configReloadSuccessful.set(0); // whatever failed: the gauge must not say the reload took
    if (!(err instanceof ConfigError)) throw err;
    log.error({ problems: err.problems }, `reload failed, still watching the ${d.watching()} wallet(s) of the last good configuration: ${err.problems.join('; ')}`);
    return undefined;
  }
  for (const w of loaded.warnings) log.warn(w);
  return loaded;
}

/** What an applied reload changed, in the log: its counts, the wallets it removed (20 named at most), those whose saved state could not be read. */
export function sayReloaded(log: Logger, summary: ReloadSummary, wallets: number, ms: number): void {
  log.info({ added: summary.added.length, removed: summary.removed.length, changed: summary.changed.length, unchanged: summary.unchanged, wallets, ms }, 'wallets reloaded');
  if (summary.removed.length > 0) {
    const shown = summary.removed.slice(0, 20).join(', ');
    log.warn({ removed: summary.removed.length }, `reload: ${summary.removed.length} wallet(s) no longer in WALLETS_FILE, their alerts closed: ${shown}${summary.removed.length > 20 ? ', …' : ''}`);
  }
  if (summary.failed.length > 0) {
    const names = summary.failed.map((f) => `${f.name} (${f.code})`).join(', ');
    log.error({ failed: summary.failed }, `reload: cannot read the saved state of ${names} in STATE_DIR; not watched until a reload (SIGHUP) once STATE_DIR reads again`);
  }
}
