/**
 * A deadline that holds. `AbortSignal.any([signal, AbortSignal.timeout(ms)])` stops firing once a garbage
 * collection runs (nodejs/node#57736: the combined signal holds its sources only weakly, and the timeout
 * signal's timer holds its signal only weakly, so nothing keeps the timeout alive). Here the timer's own
 * closure holds the controller, and an armed timer is held by the event loop: it fires whatever the GC does.
 */
export interface Deadline {
  /** Aborts when `ms` pass (reason: a `TimeoutError` DOMException) or when the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** True once the deadline itself (not the caller) aborted the signal. */
  readonly timedOut: boolean;
  /** Disarms the timer and unlinks the caller's signal; call it when the operation ends, however it ends. */
  clear(): void;
}

/** Node fires a timer above 2^31 − 1 ms at once: every delay is clamped to this. */
export const MAX_TIMER_MS = 2_147_483_647;

export function deadline(ms: number, caller?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = () => controller.abort(caller!.reason);
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError'));
    },
    Math.min(MAX_TIMER_MS, Math.max(0, ms)),
  );
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
    },
  };
}

/**
 * A signal that aborts once any of `signals` does, held as `deadline`'s is (each source's listener holds the
 * controller), not as AbortSignal.any's; `clear` unlinks it from the sources when the wait it serves is over.
 */
export function eitherAborts(...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const sources = signals.filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (e: Event) => controller.abort((e.target as AbortSignal).reason);
  for (const s of sources) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: controller.signal, clear: () => sources.forEach((s) => s.removeEventListener('abort', onAbort)) };
}
