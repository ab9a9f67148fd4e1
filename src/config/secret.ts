import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inspect } from 'node:util';
import { MiB, readConfigFile, whyNot } from './read-file.js';

const REDACTED = '<secret>';

/**
 * A value that must never be printed: JSON, string conversion and util.inspect all show `<secret>`.
 * Read it with `reveal()` only where it is sent (a header, a transport URL).
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Why a secret written as text cannot be one, or undefined: only spaces (it was sent as "Authorization: Bearer "
 * with no key, and the poll read as the upstream refusing a wrong one), or a line break inside (a paste of two
 * things, never part of one secret).
 */
export function secretTextProblem(v: string): string | undefined {
  if (v.trim() === '') return 'holds only spaces: set it, or leave it unset';
  return /[\r\n]/.test(v) ? 'must be a single line' : undefined;
}

/**
 * A secret file (`*_FILE`, `*_file`) read now: a leading byte-order mark (an editor on Windows writes one)
 * and trailing line ends (LF, CRLF or a lone CR) are not part of the secret. Kept, a BOM signed every
 * webhook with a key its receiver did not have and sent Basic credentials a provider refused. What is
 * wrong (unreadable, empty) comes back as words, never the content, and naming the path only when it is
 * one (see `shownPath`).
 */
export function readSecretFile(path: string): { value: string } | { problem: string } {
  const r = readConfigFile(path, MiB);
  if (!('text' in r)) return { problem: `cannot read ${shownPath(path)}: ${whyNot(r)}` };
  const value = r.text.replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
  if (value === '') return { problem: `the file ${path} is empty` };
  // a file of spaces sent "Authorization: Bearer " with no key, and the poll read as an upstream refusal
  return value.trim() === '' ? { problem: `the file ${path} holds only spaces` } : { value };
}

/**
 * The most common slip with `X_FILE` is the secret itself put where its path belongs: "cannot read
 * sk_live_…" would print it. A path is shown when something is there (a file it cannot read), or when it
 * has a directory part and that directory exists and is not the root (a file missing from a real folder;
 * a secret starting with '/' is not a file missing from '/'); anything else is not shown.
 */
function shownPath(path: string): string {
  const dir = dirname(resolve(path));
  const isPath = existsSync(path) || (path.includes('/') && dir !== '/' && existsSync(dir)); // '/sk_live…' is in '/'
  return isPath ? path : 'the file it names (the name is not shown: it may be the secret itself)';
}
