/**
 * A wallets file's YAML read into plain values (contract section 7), as `parseDocument` + `toJS` read it,
 * with the file's own rules: keys the same as text are duplicates (sameKeyAsText), numbers kept as written
 * where that matters (asWritten), a bound on alias uses.
 *
 * A fleet's file is one long `wallets:` list. Read as one document, 100,000 wallets held the library's
 * syntax tree and its nodes for the whole file at once (~1.7 GiB, most of the 15 s spent collecting that
 * garbage). So a file in plain block style is read in parts: the top-level keys without the list's items,
 * then the items a few thousand at a time, each part a document of its own, its tree garbage once its
 * values are taken. Only what reads the same that way is read so: any part with an error, an alias or a
 * line the split does not understand sends the whole file back to the one-document read, which alone
 * writes the problem lines (so their line numbers and codes are the file's). Both reads give the same
 * values for a file both can read (test/unit/wallets-yaml.test.ts checks them against each other).
 */
import { fastItem, NUMBER_KEYS } from './wallets-fast.js';
import { sameKeyAsText, yaml } from './yaml.js';

/** YAML alias uses a wallets file may make (each `*name`; nested ones count for what they expand to). */
export const MAX_ALIAS_USES = 1_000_000;
/** Items of the wallets list per part: large enough that a part's overhead is nothing, small enough that its tree stays young garbage. */
const ITEMS_PER_PART = 2_000;

export type YamlRead = { top: unknown } | { problems: string[] };

/**
 * How a wallets file's YAML is read: `whole` one document; `parts` in parts, each by the library; `fast` in
 * parts, items of the plain shape without the library (wallets-fast.ts). All give the same values; tests
 * compare them.
 */
export type WalletsRead = 'whole' | 'parts' | 'fast';

/** The file's values, or its problems (each naming `path`). */
export function readWalletsYaml(text: string, path: string, how: WalletsRead = 'fast'): YamlRead {
  if (how !== 'whole') {
    const top = inParts(text, how === 'fast');
    if (top !== undefined) return { top };
  }
  const doc = yaml().parseDocument(text, { uniqueKeys: sameKeyAsText });
  // An unknown tag is a warning to the library, which reads `auth_token: !Secret123` as "" (and `!Sec ret` as
  // "ret"): for a file of names, numbers and secrets it is a value that starts with ! left unquoted.
  const wrong = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  if (wrong.length > 0) {
    // The YAML library's message quotes the offending line, which may hold a key: say only where. (An
    // unclosed `[ {` is two errors at one place and of one code: said once.)
    return { problems: [...new Set(wrong.map((e) => `${path}: not valid YAML at line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'} (${e.code}${HINTS[e.code] ?? ''})`))] };
  }
  const anchored = text.includes('&') ? unusedScalarAnchor(doc) : undefined;
  if (anchored !== undefined) return { problems: [`${path}: not valid YAML at line ${text.slice(0, anchored).split('\n').length} (UNUSED_ANCHOR: a value starting with & is a YAML anchor, no alias uses it; a value, such as a secret, that starts with & must be quoted)`] };
  asWritten(doc);
  // The library allows 100 alias uses by default (against "billion laughs" files): a fleet that gives its
  // 10,000 wallets `labels: *common` needs one per wallet. Past this bound it is a problem, not a crash.
  try {
    return { top: doc.toJS({ maxAliasCount: MAX_ALIAS_USES }) };
  } catch (err) {
    // Never the library's message: an unresolved alias quotes its name, and an unquoted secret that starts
    // with `*` (`auth_token: *Summer2024`) is read as an alias of that name.
    return { problems: [`${path}: ${aliasProblem(text, doc, err)}`] };
  }
}

/** Why `toJS` threw, in words that quote nothing of the file (its line, when an alias names no anchor). */
function aliasProblem(text: string, doc: ReturnType<ReturnType<typeof yaml>['parseDocument']>, err: unknown): string {
  const Y = yaml();
  let offset: number | undefined;
  Y.visit(doc, {
    Alias: (_key, node) => {
      if (node.resolve(doc) !== undefined) return undefined;
      offset = node.range?.[0];
      return Y.visit.BREAK;
    },
  });
  if (offset !== undefined || /unresolved alias/i.test((err as Error)?.message ?? '')) {
    const line = offset === undefined ? '' : ` at line ${text.slice(0, offset).split('\n').length}`;
    return `not valid YAML${line} (UNRESOLVED_ALIAS: a value starting with * is an alias of an anchor (&name) set before it; a value, such as a secret, that starts with * must be quoted)`;
  }
  return `cannot be read: aliases expand too far (more than ${MAX_ALIAS_USES} uses of YAML aliases)`;
}

/**
 * Where a value carries an anchor no alias uses (undefined: none): `auth_token: &Sec ret` is the anchor `Sec` on
 * the value "ret", a secret misread in silence, as `!` and `*` would be.
 */
function unusedScalarAnchor(doc: ReturnType<ReturnType<typeof yaml>['parseDocument']>): number | undefined {
  const Y = yaml();
  const used = new Set<string>();
  Y.visit(doc, { Alias: (_key, node) => void used.add(node.source) });
  let offset: number | undefined;
  Y.visit(doc, {
    Scalar: (_key, node) => {
      if (node.anchor === undefined || used.has(node.anchor)) return undefined;
      offset = node.range?.[0] ?? 0;
      return Y.visit.BREAK;
    },
  });
  return offset;
}

const HINTS: Partial<Record<string, string>> = {
  TAB_AS_INDENT: ': indent with spaces, not tabs',
  TAG_RESOLVE_FAILED: ': a value starting with ! is a YAML tag, and YAML could not apply it (an unknown !name, or !!float on 1): write the value without it, and quote a value, such as a secret, that starts with !',
};

/** A top-level `wallets:` whose value is the block list on the lines below. */
const WALLETS_LINE = /^wallets:[ ]*(?:#.*)?$/;
/** A line that is blank or only a comment (at any indentation). */
const NOTHING = /^[ ]*(?:#.*)?$/;

/**
 * The top-level map read in parts, or undefined when the file must be read as one document: no `wallets:`
 * block list, a line of it the split does not place (a tab, less indented than the list, a line end other
 * than LF), a directive or document marker, an error or an alias in any part.
 */
function inParts(text: string, fastParts: boolean): Record<string, unknown> | undefined {
  if (text.includes('\r') || text.includes('\t') || text.startsWith('\uFEFF')) return undefined;
  const lines = text.split('\n');
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^(?:%|---|\.\.\.)/.test(line)) return undefined; // directives and documents: the whole file's reading
    if (WALLETS_LINE.test(line)) {
      if (start >= 0) return undefined; // twice: the one-document read says so
      start = i;
    }
  }
  if (start < 0) return undefined;
  // The items: from the first line below `wallets:` that is not blank or a comment, at its indentation.
  let first = start + 1;
  while (first < lines.length && NOTHING.test(lines[first]!)) first++;
  const indent = /^( *)-(?: |$)/.exec(lines[first] ?? '')?.[1]!.length;
  if (indent === undefined) return undefined;
  const itemStart = new RegExp(`^ {${indent}}-(?: |$)`);
  const items: string[][] = [];
  let end = first;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (NOTHING.test(line)) {
      items.at(-1)!.push(line);
      continue;
    }
    const own = line.length - line.trimStart().length;
    if (own > indent) items.at(-1)!.push(line);
    else if (own === indent && itemStart.test(line)) items.push([line]);
    else if (own === 0) break; // the next top-level key
    else return undefined;
  }

  const head = readPart([...lines.slice(0, start + 1), ...lines.slice(end)].join('\n'));
  if (head === undefined || typeof head !== 'object' || head === null || Array.isArray(head)) return undefined;
  const top = head as Record<string, unknown>;
  const wallets: unknown[] = [];
  for (let i = 0; i < items.length; i += ITEMS_PER_PART) {
    const part = items.slice(i, i + ITEMS_PER_PART);
    const fast = fastParts ? part.map((item) => fastItem(item, indent)) : [];
    if (fastParts && fast.every((v) => v !== undefined)) {
      for (const v of fast) wallets.push(v);
      continue;
    }
    const values = readPart(part.map((item) => item.join('\n')).join('\n'));
    if (!Array.isArray(values)) return undefined;
    for (const v of values) wallets.push(v);
  }
  top.wallets = wallets;
  return top;
}

/** One part's values, or undefined after an error, a warning, an alias or an anchored value (the one-document read decides those). */
function readPart(text: string): unknown {
  const Y = yaml();
  const doc = Y.parseDocument(text, { uniqueKeys: sameKeyAsText });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
  if (text.includes('*') || text.includes('&')) {
    let alias = false;
    Y.visit(doc, { Alias: () => ((alias = true), Y.visit.BREAK), Scalar: (_key, node) => (node.anchor === undefined ? undefined : ((alias = true), Y.visit.BREAK)) });
    if (alias) return undefined;
  }
  asWritten(doc);
  return doc.toJS();
}

/**
 * Values that keep the text written rather than what YAML reads it as. A label value read as a number or
 * true/false: `code: 007` is the label "007", not "7", and `ver: 1.10` is "1.10" (a label is text to match
 * and group on, not a quantity). A threshold or hours: parsed as the environment's are, so
 * `low_balance_threshold: 0x40` is refused as LOW_BALANCE_THRESHOLD=0x40 is, not read as 64. Any number
 * under `receivers:`: a webhook `secret: 0x10` signs with the key "0x10", not "16" (an interval of `300` is
 * still 300 s). Done on the parsed document, before aliases are resolved, so `labels: *common` gets the same.
 * A part holding the list's items has no pair at depth 2 (its root is the list), so a wallet's `receivers`
 * is never taken for the top-level one.
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
