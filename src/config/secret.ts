import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inspect } from 'node:util';

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
 * A secret file (`*_FILE`, `*_file`) read now: a leading byte-order mark (an editor on Windows writes one)
 * and trailing line ends (LF, CRLF or a lone CR) are not part of the secret. Kept, a BOM signed every
 * webhook with a key its receiver did not have and sent Basic credentials a provider refused. What is
 * wrong (unreadable, empty) comes back as words, never the content, and naming the path only when it is
 * one (see `shownPath`).
 */
export function readSecretFile(path: string): { value: string } | { problem: string } {
  try {
    const value = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
    return value === '' ? { problem: `the file ${path} is empty` } : { value };
  } catch (err) {
    return { problem: `cannot read ${shownPath(path)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
}

/**
 * The most common slip with `X_FILE` is the secret itself put where its path belongs: "cannot read
 * sk_live_…" would print it. A path is shown when something is there (a file it cannot read), or when it
 * has a directory part and that directory exists (a file missing from a real folder); anything else is
 * not shown.
 */
function shownPath(path: string): string {
  const isPath = existsSync(path) || (path.includes('/') && existsSync(dirname(resolve(path))));
  return isPath ? path : 'the file it names (the name is not shown: it may be the secret itself)';
}
