/**
 * WALLETS_FILE (contract section 7): YAML with `defaults` and `wallets`, each entry validated by the one
 * wallet schema (wallet.ts). Every problem is one line naming the file, the wallet and the key.
 */
import { createHash } from 'node:crypto';
import { MiB, readConfigFile, whyNot } from './read-file.js';
import { readWalletsYaml, type WalletsRead } from './wallets-yaml.js';
import type { ChannelEnv } from '../notify/channel.js';
import { DEFAULT_RECEIVER } from '../notify/registry.js';
import { parseReceivers } from './receivers.js';
import type { ReceiverSettings, WalletSettings } from './settings.js';
import { distance } from './typos.js';
import { isWalletKey, parseWallet, WALLET_KEYS, type RawWallet, type RuleTuning, type WalletKey } from './wallet.js';
import { isName, unknownKey, valueShown } from './shown.js';

export interface WalletsFileResult {
  wallets: WalletSettings[];
  receivers: ReceiverSettings[];
  problems: string[];
  warnings: string[];
  /** The text's digest (textDigest); undefined when the file could not be read. */
  digest?: string;
}

/** A digest of a wallets file's text: whether a file read again is what was read before. */
export const textDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

const TOP_KEYS = ['defaults', 'wallets', 'receivers'];
/**
 * Keys that describe one provider's API: a default among them applies only to the wallets of the defaults'
 * provider (telephony-io unless `defaults` names one), so a file mixing providers can still default the
 * Telephony.io URL and key without sending a Twilio wallet there.
 */
const API_KEYS = ['api_url', 'balance_path', 'balance_field', 'currency_field', 'api_key', 'api_key_file', 'credentials', 'auth', 'balance_regex', 'balance_scale', 'balance_sign', 'currency'] as const;
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Far beyond a fleet's file (100,000 wallets is ~10 MiB): a bound, so `/dev/zero` named by mistake is a problem, not gigabytes. */
export const WALLETS_FILE_MAX_BYTES = 64 * MiB;

/**
 * `receivers` false (backtest: nothing is sent): the receivers' channels are not read, their secret files
 * neither; only their names. `text`: the file's content already read (a reload's settled read); `path` then only names it.
 * `read`: how the YAML is read (wallets-yaml.ts; the default is the fastest, the others are for tests to compare).
 */
export function readWalletsFile(path: string, opts: { tuning: RuleTuning; requireApiKey: boolean; env?: ChannelEnv; receivers?: boolean; text?: string; read?: WalletsRead }): WalletsFileResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const out: WalletsFileResult = { wallets: [], receivers: [], problems, warnings };
  let text: string;
  if (opts.text !== undefined) text = opts.text;
  else {
    const r = readConfigFile(path, WALLETS_FILE_MAX_BYTES);
    if (!('text' in r)) {
      problems.push(`${path}: cannot read the wallets file: ${whyNot(r)}`);
      return out;
    }
    text = r.text;
  }
  out.digest = textDigest(text);
  const read = readWalletsYaml(text, path, opts.read);
  if ('problems' in read) {
    for (const p of read.problems) problems.push(p);
    return out;
  }
  const top = read.top;
  if (!isMap(top)) {
    problems.push(`${path}: must be a map with 'wallets' (a list) and optionally 'defaults'`);
    return out;
  }
  for (const k of Object.keys(top)) if (!TOP_KEYS.includes(k)) problems.push(`${path}: ${unknownKey(k)} (expected ${TOP_KEYS.join(', ')})`);

  if (opts.receivers !== false) out.receivers = parseReceivers(top.receivers, path, opts.env ?? { email: {} }, problems, warnings);
  const receiverNames = new Set([DEFAULT_RECEIVER, ...(isMap(top.receivers) ? Object.keys(top.receivers) : [])]);

  let defaults: RawWallet = {};
  if (top.defaults !== undefined && top.defaults !== null) {
    if (!isMap(top.defaults)) problems.push(`${path}: defaults: must be a map of wallet keys`);
    else {
      for (const k of Object.keys(top.defaults)) {
        if (k === 'name') problems.push(`${path}: defaults: name: a name cannot be a default (each wallet has its own)`);
        else if (!isWalletKey(k)) problems.push(`${path}: defaults: ${unknownKey(k)} (${closest(k)})`);
      }
      defaults = top.defaults as RawWallet;
      if (defaults.api_key !== undefined) warnings.push(`${path}: defaults: api_key: a key written in the file; prefer api_key_file`);
    }
  }

  if (!Array.isArray(top.wallets) || top.wallets.length === 0) {
    problems.push(`${path}: wallets: must be a list of at least one wallet`);
    return out;
  }
  const seen = new Map<string, number>();
  top.wallets.forEach((entry: unknown, i: number) => {
    const rawName = isMap(entry) && typeof entry.name === 'string' ? entry.name : undefined;
    const where = `${path}: wallet ${rawName !== undefined ? `${valueShown(rawName)} (#${i + 1})` : `#${i + 1}`}`;
    if (!isMap(entry)) {
      problems.push(`${where}: must be a map of wallet keys`);
      return;
    }
    for (const k of Object.keys(entry)) if (!isWalletKey(k)) problems.push(`${where}: ${unknownKey(k)} (${closest(k)})`);
    if (entry.api_key !== undefined) warnings.push(`${where}: api_key: a key written in the file; prefer api_key_file`);
    const merged: RawWallet = { ...defaults, ...entry };
    if (isMap(defaults.labels) && isMap(entry.labels)) merged.labels = { ...defaults.labels, ...entry.labels };
    // A key file named in defaults and a literal in the wallet (or the reverse): the wallet's own wins.
    if (entry.api_key !== undefined && entry.api_key_file === undefined) delete merged.api_key_file;
    if (entry.api_key_file !== undefined && entry.api_key === undefined) delete merged.api_key;
    const defaultsProvider = defaults.provider ?? 'telephony-io';
    if ((entry.provider ?? defaultsProvider) !== defaultsProvider) for (const k of API_KEYS) if (entry[k] === undefined) delete merged[k];
    const { wallet, problems: p } = parseWallet(merged, { ...opts, keyName: (k) => k, settingName: fileSettingName, settingsWhere: ' in WALLETS_FILE' });
    for (const { key, message } of p) problems.push(`${where}: ${key}: ${message}`);
    for (const r of wallet?.receivers ?? []) {
      if (receiverNames.has(r)) continue;
      const shown = isName(r) ? `'${r}'` : `a value of ${[...r].length} characters (not shown as it may hold a secret: a URL or a key belongs under a receiver)`;
      problems.push(`${where}: receivers: ${shown} is not a receiver of the file (known: ${knownReceivers(receiverNames)})`);
    }
    if (rawName !== undefined) {
      const first = seen.get(rawName);
      if (first !== undefined) problems.push(`${where}: name: ${valueShown(rawName)} is already the name of wallet #${first + 1}`);
      else seen.set(rawName, i);
    }
    if (wallet) out.wallets.push(wallet);
  });
  if (problems.length > 0) {
    out.wallets = [];
    out.receivers = [];
  }
  return out;
}

/** A hint for an unknown key: the nearest known one, or the list. */
function closest(key: string): string {
  const best = WALLET_KEYS.map((k) => [k, distance(k, key)] as const).sort((a, b) => a[1] - b[1])[0]!;
  return best[1] <= 3 ? `did you mean ${best[0]}?` : `known keys: ${WALLET_KEYS.join(', ')}`;
}

/** A failed poll of a wallet of the file asks to check its key there (the log line names the wallet). */
const fileSettingName = (k: WalletKey): string => (k === 'api_key' ? 'api_key (or api_key_file)' : k);

/**
 * The receivers' names for a problem line: only those shaped like names (a Slack URL or a token written
 * where a receiver's name belongs is a key too, and its own credential), the others counted.
 */
function knownReceivers(names: ReadonlySet<string>): string {
  const shown = [...names].filter(isName);
  const hidden = names.size - shown.length;
  return `${shown.join(', ')}${hidden > 0 ? `, and ${hidden} not shown as ${hidden === 1 ? 'it' : 'they'} may hold a secret` : ''}`;
}
