/**
 * A wallet's `credentials` map (contract section 8): the preset's keys by the provider's own names, each
 * also as `<name>_file` (read now, trailing newline trimmed; both is a problem). Telephony.io's `api_key`
 * (and any preset's) may also sit at the wallet's top level as `api_key` / `api_key_file` (section 7).
 * Every value is a Secret; no message quotes one.
 */
import { neededCredentials } from '../providers/index.js';
import type { GenericOptions, Preset } from '../providers/preset.js';
import { readSecretFile, Secret, secretTextProblem } from './secret.js';
import { keyShown } from './shown.js';

export interface CredentialInput {
  /** The wallet's `credentials` value as written. */
  map: unknown;
  /** Top-level `api_key` / `api_key_file` (already reduced to strings). */
  apiKey: string | undefined;
  apiKeyFile: string | undefined;
}

/**
 * A credential YAML read as a number or a boolean is refused, not turned back into text: YAML has already
 * changed it (01234567 → 1234567, 0x1f → 31, 12345e67 → 1.2345e+71), and the provider would answer 401
 * forever to a key nobody can see. The value is not quoted in the message (it is a secret).
 */
export const UNQUOTED = 'YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes';

/** A value YAML read as a number or true/false: not the text written (UNQUOTED says so). */
export const unquoted = (v: unknown): boolean => typeof v === 'number' || typeof v === 'boolean';

type Add = (key: 'credentials' | 'api_key' | 'api_key_file', message: string) => void;

/**
 * The credentials, or undefined after a problem. `require` false (backtest, test-alert: no poll) skips the
 * required check and leaves the files unread: a replay on a laptop has no secrets mounted where the
 * daemon's wallets file says.
 */
export function readCredentials(
  preset: Preset,
  generic: GenericOptions | undefined,
  input: CredentialInput,
  opts: { require: boolean; keyName: (k: 'api_key' | 'api_key_file') => string },
  add: Add,
): Record<string, Secret> | undefined {
  const out: Record<string, Secret> = {};
  const names = new Set(preset.credentials.map((c) => c.name));
  let ok = true;
  const fail = (key: Parameters<Add>[0], message: string) => {
    ok = false;
    add(key, message);
  };

  const literal: Record<string, string> = {};
  const files: Record<string, string> = {};
  if (input.map !== undefined && input.map !== null) {
    if (typeof input.map !== 'object' || Array.isArray(input.map)) fail('credentials', `must be a map of ${preset.name} credentials (${[...names].join(', ')})`);
    else {
      for (const [k, v] of Object.entries(input.map)) {
        const isFile = k.endsWith('_file') && names.has(k.slice(0, -'_file'.length));
        const base = isFile ? k.slice(0, -'_file'.length) : k;
        if (!names.has(base)) {
          fail('credentials', `${keyShown(k, true)} is not a ${preset.name} credential (known: ${[...names].flatMap((n) => [n, `${n}_file`]).join(', ')})`);
          continue;
        }
        if (unquoted(v)) {
          fail('credentials', `${k}: ${UNQUOTED}`);
          continue;
        }
        if (v === null) {
          fail('credentials', `${k}: is empty (a value that starts with # is a comment to YAML: put it in quotes)`);
          continue;
        }
        if (typeof v !== 'string') {
          fail('credentials', `${k}: must be a single value`);
          continue;
        }
        const s = v;
        if (s === '') continue;
        (isFile ? files : literal)[base] = s;
      }
    }
  }
  // The top-level key of section 7 is the api_key credential of any preset that has one.
  if (input.apiKey !== undefined || input.apiKeyFile !== undefined) {
    if (!names.has('api_key')) fail(input.apiKey !== undefined ? 'api_key' : 'api_key_file', `the ${preset.name} preset takes no api_key; put its credentials (${[...names].join(', ')}) in credentials`);
    else if (literal.api_key !== undefined || files.api_key !== undefined) fail('api_key', 'is set both at the top level and in credentials; set it once');
    else {
      if (input.apiKey !== undefined && input.apiKeyFile !== undefined) fail('api_key', `set both ${opts.keyName('api_key')} and ${opts.keyName('api_key_file')}; set only one`);
      else if (input.apiKey !== undefined) literal.api_key = input.apiKey;
      else files.api_key = input.apiKeyFile!;
    }
  }

  for (const name of names) {
    const lit = literal[name];
    const file = files[name];
    const where = name === 'api_key' && (input.apiKey !== undefined || input.apiKeyFile !== undefined) ? (file !== undefined ? 'api_key_file' : 'api_key') : 'credentials';
    if (lit !== undefined && file !== undefined) {
      fail('credentials', `set both ${name} and ${name}_file; set only one`);
      continue;
    }
    let value = lit;
    if (file !== undefined && !opts.require) continue;
    if (file !== undefined) {
      const read = readSecretFile(file);
      if ('problem' in read) {
        fail(where, `${where === 'credentials' ? `${name}_file: ` : ''}${read.problem}`);
        continue;
      }
      value = read.value;
    }
    if (value === undefined) continue;
    const prefix = where === 'credentials' ? `${name}: ` : '';
    const problem = secretTextProblem(value);
    if (problem) {
      fail(where, `${prefix}${problem}`);
      continue;
    }
    if (/[\x00-\x1f\x7f\u00a0\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u2064\ufeff]/.test(value)) {
      // pasted with the key, never part of one: the HTTP client dropped a zero-width space from a header
      // and sent another key (a 401 saying "check the key" for one that looked right). Letters outside
      // ASCII are fine where they are encoded (Basic auth, a query); in a header the poll says so.
      fail(where, `${prefix}holds a control or invisible character (a tab, a zero-width or non-breaking space pasted with it?)`);
      continue;
    }
    out[name] = new Secret(value);
  }

  if (opts.require && ok) {
    for (const name of neededCredentials(preset, generic)) {
      if (out[name] !== undefined) continue;
      if (name === 'api_key' && preset.name === 'telephony-io') fail('api_key', `is required (or set ${opts.keyName('api_key_file')} to a file holding it)`);
      else fail('credentials', `${name} is required by the ${preset.name} preset (or ${name}_file)`);
    }
    const problem = ok ? preset.credentialsProblem?.(new Set(Object.keys(out))) : undefined;
    if (problem !== undefined) fail('credentials', problem);
  }
  return ok ? out : undefined;
}
