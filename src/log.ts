import pino, { type Logger } from 'pino';
import type { LogLevel } from './config/settings.js';

export type { Logger };

/**
 * One JSON-lines logger on stderr (stdout belongs to `check` and `backtest` output). Secrets are
 * wrapped in Secret and print as `<secret>`; the redact paths are a second net for header-shaped fields.
 * Synchronous, so the last lines before an exit are not lost.
 */
export function createLogger(level: LogLevel | 'silent' = 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'wallet-sentinel' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.headers.authorization', '*.headers.Authorization', 'headers.authorization', 'headers.Authorization', 'config', '*.config', 'request', '*.request'],
        censor: '<redacted>',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
