/**
 * How problem lines show what the user wrote. One problem stays one line (a value with a line break could
 * forge a second one), and a key that is not a name is not shown at all: in a YAML flow map a missing space
 * after a colon (`{auth_token:SECRET}`, `{url:https://hooks…}`) makes the whole pair, secret included, a key.
 */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const PLAIN = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029'"\\]*$/;

/** A key that may be shown as it is. */
export const isName = (k: string): boolean => NAME.test(k);

/** `'api_kee'`, or a description of a key that is not a name. */
export function keyShown(k: string): string {
  if (isName(k)) return `'${k}'`;
  const colon = k.includes(':') ? " with ':' in it (a missing space after a colon?)" : '';
  return `a key of ${[...k].length} characters${colon}, not shown as it may hold a secret`;
}

/** `'value'`, or as a JSON string when it has line breaks, other control characters or quotes. */
export const valueShown = (v: string): string => (PLAIN.test(v) ? `'${v}'` : JSON.stringify(v));
