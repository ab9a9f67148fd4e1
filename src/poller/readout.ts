/**
 * What a scrape reads of one wallet (MonitorReadout), kept by its monitor (monitor.ts) as its polls and
 * commits go: the forecast, whether the API answered, the currency label, the counters and the alert
 * series. Set by the polls, never computed at scrape time (but for a forecast no poll has made yet).
 */
import { headroom, type AccountState, type PollOutcome } from '../domain/account.js';
import type { AlertBook } from '../domain/alerts.js';
import { forecast, type Forecast } from '../domain/forecast.js';
import type { AlertName, Severity } from '../domain/rules.js';

/** What a scrape reads of one wallet: set by its polls, never computed at scrape time. */
export interface MonitorReadout {
  readonly state: AccountState;
  /** The forecast of the last poll (or of the saved state at start). */
  readonly forecast: Forecast;
  /** The last poll succeeded. */
  readonly up: boolean;
  /**
   * The currency label: the last balance body's code, null (`unknown`) when that body had none (the contract's
   * label; the state keeps the last known code for the history and the notifications). Before a poll of
   * this process, the saved state's.
   */
  readonly currency: string | null;
  /** Credits spent and top-ups seen, counted from the saved history on: the wallet's counters. */
  readonly consumed: number;
  readonly topups: number;
  /** Every (alertname, severity) that fired since start, with 1 while it fires at that severity, else 0. */
  readonly alertSeries: ReadonlyMap<string, { alertname: AlertName; severity: Severity; value: 0 | 1 }>;
}

const NO_SERIES: MonitorReadout['alertSeries'] = new Map();

/** One wallet's readout as its monitor last published it; `of` gives it with the monitor's current state. */
export class Readout {
  #forecast: Forecast | undefined;
  #up = false;
  #bodyCurrency: string | null | undefined;
  /**
   * The counters /metrics shows (credits spent, top-ups): those of the last state committed, which a restart
   * reads back. Shown as polled, a scrape could see spend no commit held yet; killed then (or restarted while
   * STATE_DIR refused writes), the restart showed less, Prometheus read the drop as a reset to 0, and rate()
   * counted the whole lifetime total as an hour's spend: the shipped rules paged critical for a healthy wallet.
   */
  #counters = { consumed: 0, topups: 0 };
  /** Made when an alert first fires: most of a fleet's wallets never have one (a Map and its table, ~250 bytes). */
  #alertSeries: Map<string, { alertname: AlertName; severity: Severity; value: 0 | 1 }> | undefined;

  /** The readout of `state`; with no forecast published yet (a scrape before the first poll), one is made at `now()` and kept. */
  of(state: AccountState, now: () => number): MonitorReadout {
    return {
      state,
      forecast: (this.#forecast ??= forecast(state.history, headroom(state), now())),
      up: this.#up,
      currency: this.#bodyCurrency === undefined ? state.currency : this.#bodyCurrency,
      consumed: this.#counters.consumed,
      topups: this.#counters.topups,
      alertSeries: this.#alertSeries ?? NO_SERIES,
    };
  }

  /** A poll's outcome: a balance body decides the label; a 402's error body (no currency field) does not. */
  polled(outcome: PollOutcome): void {
    if (outcome.ok && outcome.status !== 402 && outcome.balance !== null) this.#bodyCurrency = outcome.currency;
  }

  /** `state` is committed: its counters may be shown (never going back: a later state may commit first). */
  committed(state: AccountState): void {
    const { consumedTotal, topupsTotal } = state.history;
    this.#counters = { consumed: Math.max(this.#counters.consumed, consumedTotal), topups: Math.max(this.#counters.topups, topupsTotal) };
  }

  /** What /metrics reads: 1 for what fires at its severity; 0 for a series that fired before (resolved, or escalated away from). */
  publish(alerts: AlertBook, f: Forecast | undefined, up: boolean): void {
    this.#forecast = f;
    this.#up = up;
    if (this.#alertSeries) for (const series of this.#alertSeries.values()) series.value = 0;
    for (const a of Object.values(alerts)) {
      (this.#alertSeries ??= new Map()).set(`${a.alertname}/${a.severity}`, { alertname: a.alertname, severity: a.severity, value: 1 });
    }
  }
}
