/**
 * How problem lines show what the user wrote. One problem stays one line (a value with a line break could
 * forge a second one), and a key that is not a name is not shown at all: in a YAML flow map a missing space
 * after a colon (`{auth_token:SECRET}`, `{url:https://hooks…}`) makes the whole pair, secret included, a key,
 * and a secret written alone (`{account_sid: AC1, 9f8e…}`) is a key with no value: a name-shaped key that
 * reads as generated (a part, between `_`, `.` and `-`, over 16 characters or switching between lower case,
 * upper case and digits 4 times or more) is not shown either; nor an unknown key not shaped like a settings key
 * (keyShown).
 */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const PLAIN = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029'"\\]*$/;

const PART_MAX = 16;
const CLASS_SWITCHES_MAX = 3;
const charClass = (c: string) => (c >= '0' && c <= '9' ? 0 : c >= 'a' && c <= 'z' ? 1 : 2);

function looksGenerated(part: string): boolean {
  if (part.length > PART_MAX) return true;
  let switches = 0;
  for (let i = 1; i < part.length; i++) if (charClass(part[i]!) !== charClass(part[i - 1]!)) switches++;
  return switches > CLASS_SWITCHES_MAX;
}

/** A key that may be shown as it is: name-shaped, and not shaped like a generated token. */
export const isName = (k: string): boolean => NAME.test(k) && !k.split(/[_.-]/).some(looksGenerated);

/** The shape of this program's settings keys: lower-case words joined by `_`. */
const SETTINGS_KEY = /^[a-z]+(_[a-z]+)*$/;

/**
 * `'api_kee'`, or a description of a key that is not a name. `unknown`: a key where a setting was expected and
 * none is known by that name, shown only when it is shaped like a settings key: a secret written alone is a
 * key there (`{username: ops, Summer2024}`, a password pasted as a line of its own), and `Summer2024`,
 * `whsec-ops-2024` or `correct-horse-battery-staple` were names, so printed in full.
 */
export function keyShown(k: string, unknown = false): string {
  return quotable(k, unknown) ?? `a ${hiddenKey(k)}`;
}

/** `unknown key 'api_kee'`, or `an unknown key of 5 characters (not shown: …)`: it read "unknown key a key of 5 characters". */
export function unknownKey(k: string): string {
  const shown = quotable(k, true);
  return shown !== undefined ? `unknown key ${shown}` : `an unknown ${hiddenKey(k)}`;
}

/** `k` as keyShown may quote it (or say what it is), or undefined when it is not shown. */
function quotable(k: string, unknown: boolean): string | undefined {
  if (isName(k) && (!unknown || SETTINGS_KEY.test(k))) return `'${k}'`;
  // `<<: *common`, YAML 1.1's merge key, was shown as "a key of 2 characters, not shown as it may hold a secret"
  if (k === '<<') return "'<<' (a YAML merge key: these files do not merge maps; shared wallet keys go under defaults)";
  return undefined;
}

/** What is said of a key not shown. */
function hiddenKey(k: string): string {
  const colon = k.includes(':') ? " with ':' in it (a missing space after a colon?)" : '';
  return `key of ${[...k].length} characters${colon} (not shown: it may hold a secret)`;
}

/** How many characters of a value a problem line quotes. */
const SHOWN_MAX = 80;

/** `v`, or its first SHOWN_MAX characters and '…': a value of 100,000 characters made a problem line of 100 KB. */
export function shortened(v: string): string {
  if (v.length <= SHOWN_MAX) return v;
  const chars = [...v]; // whole characters: a cut between two halves of an emoji would print U+FFFD
  return chars.length <= SHOWN_MAX ? v : `${chars.slice(0, SHOWN_MAX).join('')}…`;
}

/** `'value'`, or as a JSON string when it has line breaks, other control characters or quotes; shortened. */
export const valueShown = (v: string): string => {
  const s = shortened(v);
  return PLAIN.test(s) ? `'${s}'` : JSON.stringify(s);
};
