/**
 * One item of a wallets list read without the YAML library, when it is written in the plain shape a fleet's
 * generator writes (src/simulator/wallets-file.ts, or by hand): one `key: value` a line, values quoted or
 * plain, a label map or receiver list in flow style on its line (`{team: voice}`, `[oncall]`) or a map of
 * plain lines one level below. Anything else (an anchor, a tag, a block scalar, a multi-line value, a key
 * twice, a plain value YAML might read as a number where the text is not kept) gives undefined, and the
 * item is read by the library (wallets-yaml.ts). The values are the ones `parseDocument` + `toJS` +
 * asWritten give: test/unit/wallets-yaml.test.ts compares the two on a set of tricky items.
 */

/** The wallet keys whose numbers keep the text written (wallets-yaml.ts, asWritten). */
export const NUMBER_KEYS: ReadonlySet<unknown> = new Set(['low_balance_threshold', 'critical_balance_threshold', 'runway_warning_hours', 'runway_critical_hours', 'balance_scale']);

/** How a plain scalar's value is taken: as asWritten leaves it under a number key, a label, or elsewhere. */
type Keep = 'number' | 'label' | 'none';

const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const NULL = /^(?:~|null|Null|NULL)$/;
const TRUE = /^(?:true|True|TRUE)$/;
const FALSE = /^(?:false|False|FALSE)$/;
/** A plain scalar we read ourselves: a safe first character, then no indicator that could change its reading. */
const PLAIN = /^[A-Za-z0-9_/][^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff"'`{}[\],&*!|>%@#]*$/;
/** Starts like something the core schema may read as a number. */
const NUMERIC_START = /^[0-9+\-.]/;
const DQ = /^"((?:[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"/;
const SQ = /^'((?:[^'\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]|'')*)'/;
const UNSUPPORTED = Symbol('unsupported');
type Read = { value: unknown; rest: string } | typeof UNSUPPORTED;

/** A plain scalar's value (block or flow), or UNSUPPORTED. */
function plain(text: string, keep: Keep): unknown {
  if (text === '' || NULL.test(text)) return null;
  if (TRUE.test(text) || FALSE.test(text)) return keep === 'label' ? text : TRUE.test(text);
  if (!PLAIN.test(text) || text.endsWith(':') || text.includes(': ') || text.includes(' #')) return UNSUPPORTED;
  if (keep === 'none' && NUMERIC_START.test(text)) return UNSUPPORTED;
  return text; // a number under a number key or a label keeps its text (asWritten), anything else here is text
}

/** A quoted scalar at the start of `s`: its value and what follows it. */
function quoted(s: string): Read {
  const d = DQ.exec(s);
  if (d) return { value: d[1]!.includes('\\') ? JSON.parse(d[0]) : d[1], rest: s.slice(d[0].length) };
  const q = SQ.exec(s);
  if (q) return { value: q[1]!.replaceAll("''", "'"), rest: s.slice(q[0].length) };
  return UNSUPPORTED;
}

/** A scalar inside a flow collection, up to `,` or the closing bracket. */
function flowScalar(s: string, keep: Keep): Read {
  if (s.startsWith('"') || s.startsWith("'")) return quoted(s);
  const m = /^[^,\]}]*/.exec(s)![0];
  const value = plain(m.trimEnd(), keep);
  return value === UNSUPPORTED ? UNSUPPORTED : { value, rest: s.slice(m.length) };
}

/**
 * `{k: v, …}` or `[v, …]` of scalars, all on the line; `rest` after the closing bracket. `labels`: a map's
 * values are labels (asWritten keeps their text); a pair's key among NUMBER_KEYS keeps its number's text too.
 */
function flow(s: string, labels: boolean): Read {
  const isMap = s.startsWith('{');
  const close = isMap ? '}' : ']';
  const out: Record<string, unknown> | unknown[] = isMap ? {} : [];
  let rest = s.slice(1).trimStart();
  if (rest.startsWith(close)) return { value: out, rest: rest.slice(1) };
  for (;;) {
    if (isMap) {
      const bare = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest)?.[0];
      const k: Read = bare !== undefined ? { value: bare, rest: rest.slice(bare.length) } : rest.startsWith('"') || rest.startsWith("'") ? quoted(rest) : UNSUPPORTED;
      if (k === UNSUPPORTED || typeof k.value !== 'string' || !KEY.test(k.value) || badKey(k.value) || Object.hasOwn(out, k.value)) return UNSUPPORTED;
      const colon = /^:[ ]+/.exec(k.rest);
      if (!colon) return UNSUPPORTED;
      const v = flowScalar(k.rest.slice(colon[0].length), keepOf(k.value, labels));
      if (v === UNSUPPORTED) return UNSUPPORTED;
      (out as Record<string, unknown>)[k.value] = v.value;
      rest = v.rest;
    } else {
      const v = flowScalar(rest, 'none');
      if (v === UNSUPPORTED || (v.value === null && !/^(?:~|null|Null|NULL)/.test(rest))) return UNSUPPORTED; // `[a, , b]` is an error
      (out as unknown[]).push(v.value);
      rest = v.rest;
    }
    rest = rest.trimStart();
    if (rest.startsWith(close)) return { value: out, rest: rest.slice(1) };
    if (!rest.startsWith(',')) return UNSUPPORTED;
    rest = rest.slice(1).trimStart();
    if (rest.startsWith(close)) return { value: out, rest: rest.slice(1) }; // a trailing comma is allowed
  }
}

/** How asWritten leaves a pair's scalar: a label's value, a number key's, or as YAML reads it. */
const keepOf = (key: string, inLabels: boolean): Keep => (inLabels ? 'label' : NUMBER_KEYS.has(key) ? 'number' : 'none');

/** Keys the core schema reads as something other than their text, or that JS objects treat apart. */
const badKey = (k: string): boolean => NULL.test(k) || TRUE.test(k) || FALSE.test(k) || k === '__proto__';

/** The value on `key`'s line (after `key: `), or UNSUPPORTED; after it only blanks or a comment. */
function lineValue(s: string, key: string, inLabels: boolean): unknown {
  let r: Read;
  if (s.startsWith('"') || s.startsWith("'")) r = quoted(s);
  else if (s.startsWith('{') || s.startsWith('[')) r = flow(s, key === 'labels');
  else return plain(s.replace(/ +#.*$/, '').trimEnd(), keepOf(key, inLabels));
  if (r === UNSUPPORTED || !/^(?: +#.*)?\s*$/.test(r.rest)) return UNSUPPORTED;
  return r.value;
}

/** `key: value` (or `key:` alone) after the indentation. */
const PAIR = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;

/**
 * One item's lines (the first starts with `- ` at `indent`), or undefined when the library must read it.
 * Blank and comment-only lines are allowed anywhere.
 */
export function fastItem(lines: readonly string[], indent: number): Record<string, unknown> | undefined {
  const item: Record<string, unknown> = {};
  const keyIndent = indent + 2;
  const first = lines[0]!;
  if (first.slice(indent, keyIndent) !== '- ') return undefined;
  let nested: { key: string; map: Record<string, unknown>; indent: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = i === 0 ? ' '.repeat(keyIndent) + first.slice(keyIndent) : lines[i]!;
    const body = line.trimStart();
    if (body === '' || body.startsWith('#')) continue;
    const own = line.length - body.length;
    if (nested && own > keyIndent) {
      if (nested.indent === -1) nested.indent = own;
      if (own !== nested.indent) return undefined;
      const m = PAIR.exec(body);
      if (!m || m[2] === undefined || badKey(m[1]!) || Object.hasOwn(nested.map, m[1]!)) return undefined;
      const v = lineValue(m[2], m[1]!, nested.key === 'labels');
      if (v === UNSUPPORTED) return undefined;
      nested.map[m[1]!] = v;
      continue;
    }
    if (nested) {
      if (nested.indent === -1) return undefined; // `key:` alone: null, or a block list; the library decides
      nested = undefined;
    }
    if (own !== keyIndent) return undefined;
    const m = PAIR.exec(body);
    if (!m || badKey(m[1]!) || Object.hasOwn(item, m[1]!)) return undefined;
    const key = m[1]!;
    if (m[2] === undefined || m[2].startsWith('#')) {
      nested = { key, map: {}, indent: -1 };
      item[key] = nested.map;
      continue;
    }
    const v = lineValue(m[2], key, false);
    if (v === UNSUPPORTED) return undefined;
    item[key] = v;
  }
  if (nested?.indent === -1) return undefined;
  return item;
}
