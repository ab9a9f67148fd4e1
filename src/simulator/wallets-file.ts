/**
 * Writes a WALLETS_FILE (contract section 7) that points the daemon at simulated wallets: one entry per
 * wallet with `api_url`, `balance_path` and `api_key_file`, each key in its own file (mode 0600) under
 * `keyDir`, so no literal key sits in the file (literals are accepted but warned about).
 *
 * Written without a YAML library: every scalar is a JSON string or number, which YAML reads as the same
 * value, so the simulator stays free of runtime dependencies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WalletSpec } from './wallet.js';

export interface WalletsFileOptions {
  /** The YAML file to write. */
  file: string;
  /** Where the key files go (created if missing); one file per wallet, named after it. */
  keyDir: string;
  /** The simulator's base URL (`api_url` of every wallet). */
  apiUrl: string;
  wallets: readonly Pick<WalletSpec, 'name' | 'path' | 'apiKey'>[];
  /** Written as the file's `defaults:` (snake_case keys of section 7, e.g. `runway_warning_hours`). */
  defaults?: Record<string, string | number>;
  /** Extra keys per wallet (e.g. `low_balance_threshold`, `labels`). */
  extra?: (name: string, index: number) => Record<string, string | number | Record<string, string>>;
}

const scalar = (v: string | number): string => (typeof v === 'number' ? String(v) : JSON.stringify(v));
const value = (v: string | number | Record<string, string>): string =>
  typeof v === 'object' ? `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${scalar(x)}`).join(', ')}}` : scalar(v);

export function writeWalletsFile(o: WalletsFileOptions): string {
  mkdirSync(o.keyDir, { recursive: true, mode: 0o700 });
  const lines: string[] = ['# written by src/simulator/wallets-file.ts for simulated wallets'];
  if (o.defaults && Object.keys(o.defaults).length > 0) {
    lines.push('defaults:');
    for (const [k, v] of Object.entries(o.defaults)) lines.push(`  ${k}: ${scalar(v)}`);
  }
  lines.push(o.wallets.length === 0 ? 'wallets: []' : 'wallets:');
  o.wallets.forEach((w, i) => {
    const keyFile = join(o.keyDir, w.name);
    writeFileSync(keyFile, `${w.apiKey}\n`, { mode: 0o600 });
    lines.push(`  - name: ${scalar(w.name)}`, `    api_url: ${scalar(o.apiUrl)}`, `    balance_path: ${scalar(w.path)}`, `    api_key_file: ${scalar(keyFile)}`);
    for (const [k, v] of Object.entries(o.extra?.(w.name, i) ?? {})) lines.push(`    ${k}: ${value(v)}`);
  });
  writeFileSync(o.file, `${lines.join('\n')}\n`);
  return o.file;
}
