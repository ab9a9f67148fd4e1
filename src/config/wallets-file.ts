/**
 * WALLETS_FILE (contract section 7): YAML with `defaults` and `wallets`, each entry validated by the one
 * wallet schema (wallet.ts). Every problem is one line naming the file, the wallet and the key.
 */
import { createHash } from 'node:crypto';
import { MiB, readConfigFile, whyNot } from './read-file.js';
import { sameKeyAsText, yaml } from './yaml.js';
import type { ChannelEnv } from '../notify/channel.js';
import { DEFAULT_RECEIVER } from '../notify/registry.js';
import { parseReceivers } from './receivers.js';
import type { ReceiverSettings, WalletSettings } from './settings.js';
import { distance } from './typos.js';
import { isWalletKey, parseWallet, WALLET_KEYS, type RawWallet, type RuleTuning, type WalletKey } from './wallet.js';
import { isName, keyShown, valueShown } from './shown.js';

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

/** YAML alias uses a wallets file may make (each `*name`; nested ones count for what they expand to). */
const MAX_ALIAS_USES = 1_000_000;

/**
 * `receivers` false (backtest: nothing is sent): the receivers' channels are not read, their secret files
 * neither; only their names. `text`: the file's content already read (a reload's settled read); `path` then only names it.
 */
export function readWalletsFile(path: string, opts: { tuning: RuleTuning; requireApiKey: boolean; env?: ChannelEnv; receivers?: boolean; text?: string }): WalletsFileResult {
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
  const doc = yaml().parseDocument(text, { uniqueKeys: sameKeyAsText });
  if (doc.errors.length > 0) {
    // The YAML library's message quotes the offending line, which may hold a key: say only where.
    for (const e of doc.errors) problems.push(`${path}: not valid YAML at line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'} (${e.code})`);
    return out;
  }
  asWritten(doc);
  // The library allows 100 alias uses by default (against "billion laughs" files): a fleet that gives its
  // 10,000 wallets `labels: *common` needs one per wallet. Past this bound it is a problem, not a crash.
  let top: unknown;
  try {
    top = doc.toJS({ maxAliasCount: MAX_ALIAS_USES });
  } catch (err) {
    problems.push(`${path}: cannot be read: ${(err as Error).message} (more than ${MAX_ALIAS_USES} uses of YAML aliases)`);
    return out;
  }
  if (!isMap(top)) {
    problems.push(`${path}: must be a map with 'wallets' (a list) and optionally 'defaults'`);
    return out;
  }
  for (const k of Object.keys(top)) if (!TOP_KEYS.includes(k)) problems.push(`${path}: unknown key ${keyShown(k)} (expected ${TOP_KEYS.join(', ')})`);

  if (opts.receivers !== false) out.receivers = parseReceivers(top.receivers, path, opts.env ?? { email: {} }, problems, warnings);
  const receiverNames = new Set([DEFAULT_RECEIVER, ...(isMap(top.receivers) ? Object.keys(top.receivers) : [])]);

  let defaults: RawWallet = {};
  if (top.defaults !== undefined && top.defaults !== null) {
    if (!isMap(top.defaults)) problems.push(`${path}: defaults: must be a map of wallet keys`);
    else {
      for (const k of Object.keys(top.defaults)) {
        if (k === 'name') problems.push(`${path}: defaults: name: a name cannot be a default (each wallet has its own)`);
        else if (!isWalletKey(k)) problems.push(`${path}: defaults: unknown key ${keyShown(k)} (${closest(k)})`);
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
    for (const k of Object.keys(entry)) if (!isWalletKey(k)) problems.push(`${where}: unknown key ${keyShown(k)} (${closest(k)})`);
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

/** The wallet keys that hold numbers: read from the text written, by the environment's rules (decimal only). */
const NUMBER_KEYS: ReadonlySet<unknown> = new Set(['low_balance_threshold', 'critical_balance_threshold', 'runway_warning_hours', 'runway_critical_hours', 'balance_scale']);

/**
 * Values that keep the text written rather than what YAML reads it as. A label value read as a number or
 * true/false: `code: 007` is the label "007", not "7", and `ver: 1.10` is "1.10" (a label is text to match
 * and group on, not a quantity). A threshold or hours: parsed as the environment's are, so
 * `low_balance_threshold: 0x40` is refused as LOW_BALANCE_THRESHOLD=0x40 is, not read as 64. Any number
 * under `receivers:`: a webhook `secret: 0x10` signs with the key "0x10", not "16" (an interval of `300` is
 * still 300 s). Done on the parsed document, before aliases are resolved, so `labels: *common` gets the same.
 */
function asWritten(doc: ReturnType<ReturnType<typeof yaml>['parseDocument']>): void {
  const { isMap: isYamlMap, isScalar, visit } = yaml();
  const keepText = (v: unknown, booleans: boolean) => {
    if (isScalar(v) && (typeof v.value === 'number' || (booleans && typeof v.value === 'boolean')) && typeof v.source === 'string') v.value = v.source;
  };
  visit(doc, {
    Pair(_, pair, path) {
      if (!isScalar(pair.key)) return;
      if (pair.key.value === 'receivers' && path.length === 2 && isYamlMap(pair.value)) visit(pair.value, { Scalar: (__, node) => keepText(node, false) }); // a top-level key
      else if (NUMBER_KEYS.has(pair.key.value)) keepText(pair.value, false);
      else if (pair.key.value === 'labels' && isYamlMap(pair.value)) for (const item of pair.value.items) keepText(item.value, true);
    },
  });
}

/**
 * The receivers' names for a problem line: only those shaped like names (a Slack URL or a token written
 * where a receiver's name belongs is a key too, and its own credential), the others counted.
 */
function knownReceivers(names: ReadonlySet<string>): string {
  const shown = [...names].filter(isName);
  const hidden = names.size - shown.length;
  return `${shown.join(', ')}${hidden > 0 ? `, and ${hidden} not shown as ${hidden === 1 ? 'it' : 'they'} may hold a secret` : ''}`;
}
