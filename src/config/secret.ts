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
