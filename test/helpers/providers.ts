/**
 * One simulated wallet per provider preset, each speaking its provider's wire format (src/simulator/wire.ts)
 * on its own path prefix of one simulator, and a WALLETS_FILE that watches them all, credentials in files.
 * Every credential holds NEVER_PRINT_ME, for the secret-leak test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Simulator, type WalletSpec } from '../../src/simulator/simulator.js';
import { WIRES } from '../../src/simulator/wire.js';

export interface ProviderCase {
  /** The wallet's name, its simulator wallet's and its `account` label (the provider's name, or a variant's). */
  name: string;
  provider: string;
  /** The credentials it signs in with, when not the simulator's default for the provider (WIRES keys). */
  keys?: readonly string[];
  /** The currency the simulated account has. */
  simCurrency: string;
  /** The currency the preset reports (fixed by some providers). */
  currency: string;
  /** Extra wallet keys (YAML lines). */
  extra?: string[];
  creditLimit?: number;
  autoRecharge?: boolean;
}

const CASES: readonly Omit<ProviderCase, 'name'>[] = [
  { provider: 'telephony-io', simCurrency: 'USD', currency: 'USD' },
  { provider: 'twilio', simCurrency: 'USD', currency: 'USD' },
  { provider: 'telnyx', simCurrency: 'USD', currency: 'USD', creditLimit: 50 },
  { provider: 'plivo', simCurrency: 'USD', currency: 'USD', autoRecharge: true },
  { provider: 'vonage', simCurrency: 'EUR', currency: 'EUR', autoRecharge: false },
  { provider: 'messagebird', simCurrency: 'EUR', currency: 'EUR' },
  { provider: 'clicksend', simCurrency: 'AUD', currency: 'AUD', autoRecharge: true },
  { provider: 'textmagic', simCurrency: 'GBP', currency: 'GBP' },
  { provider: 'clickatell', simCurrency: 'ZAR', currency: 'ZAR' },
  { provider: 'africastalking', simCurrency: 'KES', currency: 'KES' },
  { provider: 'openrouter', simCurrency: 'USD', currency: 'USD' },
  { provider: 'deepseek', simCurrency: 'USD', currency: 'USD', extra: ['currency: USD'] },
  {
    provider: 'generic',
    simCurrency: 'CHF',
    currency: 'CHF',
    extra: ['balance_path: /api/account', 'balance_field: account.credit', 'currency_field: account.currency', "auth: header X-Api-Key", "balance_regex: '^(\\d+) cents'", 'balance_scale: 0.01'],
  },
];

export const PROVIDER_CASES: readonly ProviderCase[] = [
  ...CASES.map((c) => ({ name: c.provider, ...c })),
  // Twilio signing in with an API key (SK…) and its secret instead of the Auth Token.
  { name: 'twilio-apikey', provider: 'twilio', keys: ['account_sid', 'api_key_sid', 'api_key_secret'], simCurrency: 'USD', currency: 'USD' },
];

/** Distinctive credentials per case (each holds NEVER_PRINT_ME). */
export function credentialsOf(c: ProviderCase): Record<string, string> {
  return Object.fromEntries((c.keys ?? WIRES[c.provider]!.keys).map((k) => [k, `${c.name}-${k}-NEVER_PRINT_ME`]));
}

export const prefixOf = (name: string) => `/p/${name}`;

/** The simulator wallet of a case: name = provider, served under its prefix. */
export function simSpec(c: ProviderCase, balance: number, format: 'number' | 'string' = 'string'): WalletSpec {
  const credentials = credentialsOf(c);
  return {
    name: c.name,
    path: prefixOf(c.name) + WIRES[c.provider]!.path(credentials),
    apiKey: credentials.api_key ?? 'unused',
    provider: c.provider,
    credentials,
    currency: c.simCurrency,
    balance,
    format,
    ...(c.creditLimit !== undefined ? { creditLimit: c.creditLimit } : {}),
    ...(c.autoRecharge !== undefined ? { autoRecharge: c.autoRecharge } : {}),
  };
}

export async function startProviderSim(cases: readonly ProviderCase[], balance: number, opts: { burnPerHour?: number; format?: 'number' | 'string' } = {}): Promise<Simulator> {
  const sim = new Simulator({ wallets: cases.map((c) => ({ ...simSpec(c, balance, opts.format), burnPerHour: opts.burnPerHour ?? 0 })) });
  await sim.start();
  return sim;
}

/** A WALLETS_FILE for these cases against the simulator; credentials in files under dir/keys. */
export function writeProviderWallets(dir: string, simUrl: string, cases: readonly ProviderCase[], extraPerWallet: string[] = []): string {
  const keyDir = join(dir, 'keys');
  mkdirSync(keyDir, { recursive: true });
  const lines = ['wallets:'];
  for (const c of cases) {
    lines.push(`  - name: ${c.name}`, `    provider: ${c.provider}`, `    api_url: ${simUrl}${prefixOf(c.name)}`, '    credentials:');
    for (const [k, v] of Object.entries(credentialsOf(c))) {
      const file = join(keyDir, `${c.name}-${k}`);
      writeFileSync(file, `${v}\n`, { mode: 0o600 });
      lines.push(`      ${k}_file: ${file}`);
    }
    for (const e of [...(c.extra ?? []), ...extraPerWallet]) lines.push(`    ${e}`);
  }
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
