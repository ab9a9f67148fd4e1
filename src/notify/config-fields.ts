/**
 * Reading one channel entry of a receiver in WALLETS_FILE (`receivers: {name: {slack: [{url_file: …}]}}`):
 * the helpers every channel's config.ts shares. Problems name the key; values are never quoted (a URL may
 * be the credential).
 */
import { unquoted, UNQUOTED } from '../config/credentials.js';
import { readSecretFile, Secret, secretTextProblem } from '../config/secret.js';
import { keyShown } from '../config/shown.js';

export type Raw = Record<string, unknown>;
export type AddProblem = (key: string, message: string) => void;

/** Unknown keys are problems (a typo must not silently drop a channel's secret). */
export function checkKeys(raw: Raw, known: readonly string[], add: AddProblem): void {
  for (const k of Object.keys(raw)) {
    if (known.includes(k)) continue;
    const shown = keyShown(k, true);
    add(shown === `'${k}'` ? k : shown, `unknown key (expected ${known.join(', ')})`);
  }
}

export function stringField(raw: Raw, key: string, add: AddProblem): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  add(key, 'must be a single value');
  return undefined;
}

/** `key` or `key_file` (read now, trailing newline trimmed); both is a problem, so is neither when required. */
export function secretField(raw: Raw, key: string, add: AddProblem, opts: { required: boolean; warnings?: string[]; where?: string }): Secret | undefined {
  if (unquoted(raw[key])) {
    add(key, UNQUOTED); // true/false: numbers under receivers: keep their text (wallets-yaml.ts asWritten)
    return undefined;
  }
  const literal = stringField(raw, key, add);
  const file = stringField(raw, `${key}_file`, add);
  if (literal !== undefined && file !== undefined) {
    add(key, `set both ${key} and ${key}_file; set only one`);
    return undefined;
  }
  if (file !== undefined) {
    const read = readSecretFile(file);
    if ('problem' in read) add(`${key}_file`, read.problem);
    else if (/[\r\n]/.test(read.value)) add(`${key}_file`, 'must hold a single line');
    else return new Secret(read.value);
    return undefined;
  }
  if (literal !== undefined) {
    const problem = secretTextProblem(literal); // as the environment's secrets
    if (problem) {
      add(key, problem);
      return undefined;
    }
    opts.warnings?.push(`${opts.where ?? ''}${key}: a secret written in the file; prefer ${key}_file`);
    return new Secret(literal);
  }
  if (opts.required) add(key, `is required (or ${key}_file, a file holding it)`);
  return undefined;
}

/**
 * The host of an http(s) URL, for labels, or a problem (never quoting the URL). Credentials in it are accepted, as
 * in ALERT_WEBHOOK_URL and ALERTMANAGER_URL (the URL is a secret; labels show its host only).
 */
export function httpHost(url: string, key: string, add: AddProblem): string | undefined {
  if (/\s/.test(url.trim())) {
    add(key, 'holds a space or other blank: separate several URLs as several entries, and write a blank that belongs to the URL percent-encoded (%20)');
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    add(key, 'not a valid URL');
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    add(key, `scheme ${u.protocol} is not http: or https:`);
    return undefined;
  }
  return u.host;
}
