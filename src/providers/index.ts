/** The one list of presets (contract section 8): `provider: <name>` in a wallet names one of these. */
import { africastalking } from './africastalking.js';
import { clickatell } from './clickatell.js';
import { clicksend } from './clicksend.js';
import { deepseek } from './deepseek.js';
import { generic } from './generic.js';
import { messagebird } from './messagebird.js';
import { openrouter } from './openrouter.js';
import { plivo } from './plivo.js';
import type { Endpoint, Preset } from './preset.js';
import type { PresetWords } from '../domain/alerts.js';
import type { WalletSettings } from '../config/settings.js';
import type { Secret } from '../config/secret.js';
import { hidesAsSent } from '../telephony/json-body.js';
import { telephonyIo } from './telephony-io.js';
import { telnyx } from './telnyx.js';
import { textmagic } from './textmagic.js';
import { twilio } from './twilio.js';
import { vonage } from './vonage.js';

export const PRESETS: readonly Preset[] = [
  telephonyIo, twilio, telnyx, plivo, vonage, messagebird, clicksend, textmagic, clickatell, africastalking, openrouter, deepseek, generic,
];
export const PROVIDER_NAMES: readonly string[] = PRESETS.map((p) => p.name);
const byName = new Map(PRESETS.map((p) => [p.name, p]));

export function presetOf(name: string): Preset {
  const p = byName.get(name);
  if (!p) throw new Error(`unknown provider ${name}`);
  return p;
}
export const isProvider = (name: string): boolean => byName.has(name);

/** The credentials a wallet of this preset must have. */
export function neededCredentials(p: Preset, generic: Parameters<NonNullable<Preset['needs']>>[0]): readonly string[] {
  return p.needs ? p.needs(generic) : p.credentials.filter((c) => c.required).map((c) => c.name);
}

/** `wallet-sentinel providers`: one block per preset. */
export function describePresets(): string {
  return PRESETS.map((p) => {
    const keys = p.credentials.map((c) => `    ${c.name}${c.required ? '' : ` (${c.alternative ?? 'optional'})`} — ${c.help}`);
    return [
      `${p.name}${p.baseUrl ? `  (${p.baseUrl})` : ''}`,
      `  request: ${p.request}`,
      `  exhausted: ${p.exhausted ?? 'the balance at or below 0 (in a 200 answer)'}`,
      '  credentials (each also as <name>_file):',
      ...keys,
      ...(p.settings.length ? [`  settings: ${p.settings.join(', ')}`] : []),
      `  docs: ${p.docs}`,
    ].join('\n');
  }).join('\n\n');
}

/**
 * The wallet's balance request, from its preset and settings. Its `secrets` are what the request sends that
 * an answer must not echo: the credential values (whole); the headers' values (`Basic <base64>`) less a
 * scheme word (`Bearer`, `AccessKey`: no secret, and it would hide codes like `access_denied`); the query
 * values of the URL it requests (`balance_path: /balance?access_token=…`). The last two only when long
 * enough to hide codes (hidesAsSent).
 */
export function endpointFor(w: Pick<WalletSettings, 'provider' | 'api'>): Endpoint {
  const e = presetOf(w.provider).endpoint(w.api);
  const inQuery = queryValues(e.path); // api_url takes no query (config/wallet.ts)
  const { credentials } = w.api;
  const { headers } = e;
  // Written out rather than `{ ...e, secrets }`: a spread object given a new function property gets a hidden
  // class (map) of its own in V8, one per wallet (~300 bytes each, 10,000 in a fleet); a literal shares one.
  return { path: e.path, shownPath: e.shownPath, headers, read: e.read, exhausted: e.exhausted, hints: e.hints, secrets: () => secretsSent(credentials, headers, inQuery) };
}

/** What a request sends that an answer must not echo (endpointFor). */
function secretsSent(credentials: Readonly<Record<string, Secret>>, headers: Endpoint['headers'], inQuery: readonly string[]): string[] {
  const inHeaders = Object.values(headers()).map((v) => v.replace(/^[A-Za-z][\w-]*\s+(?=\S)/, '')).filter(hidesAsSent);
  return [...Object.values(credentials).map((c) => c.reveal()), ...inHeaders, ...inQuery];
}

/**
 * The values in the query string of a path, as written and decoded, long enough to hide codes (a
 * parameter's name is not secret).
 */
function queryValues(url: string): string[] {
  const query = url.split('#', 1)[0]!.split('?').slice(1).join('?');
  const raw = query.split('&').map((pair) => pair.slice(pair.indexOf('=') + 1));
  return [...raw, ...new URLSearchParams(query).values()].filter(hidesAsSent);
}

/** Whether two wallets' credentials are the same values (compared, never printed). */
export function sameCredentials(a: Readonly<Record<string, Secret>>, b: Readonly<Record<string, Secret>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k]!.reveal() === b[k]!.reveal());
}

/** Whether two wallets of one provider name the same account (its credentials marked `account`, compared by value, never printed). */
export function sameAccount(a: Pick<WalletSettings, 'provider' | 'api'>, b: Pick<WalletSettings, 'provider' | 'api'>): boolean {
  if (a.provider !== b.provider) return false;
  return presetOf(a.provider).credentials.every((c) => !c.account || a.api.credentials[c.name]?.reveal() === b.api.credentials[c.name]?.reveal());
}

/** What notifications say of a wallet's provider; undefined for Telephony.io (its sentences are the contract's). */
export function presetWords(provider: string): PresetWords | undefined {
  if (provider === 'telephony-io') return undefined;
  const p = presetOf(provider);
  return { name: p.name, title: p.title, topUp: p.topUp, credentials: p.credentials.map((c) => c.name), ...(p.suspends ? { suspends: p.suspends } : {}) };
}
