import { isName } from '../config/shown.js';

/**
 * An upstream body read as a JSON object. Bodies are capped at 1 MiB, but V8's JSON.parse takes about
 * 0.3 s on 1 MiB of nested brackets (a flat 1 MiB object: a few ms), and that time is taken from every
 * other wallet's poll, the scrape and /healthz. No balance answer nests anywhere near MAX_JSON_DEPTH.
 */
export const MAX_JSON_DEPTH = 64;

export type JsonBody = { object: Record<string, unknown> } | { problem: 'not_object' | 'too_deep' };

/** The body as a parsed JSON object (not an array), or why not. The parser's message is never kept: it quotes the body. */
export function parseJsonObject(data: unknown): JsonBody {
  if (typeof data !== 'string') return { problem: 'not_object' };
  if (nestsDeeperThan(data, MAX_JSON_DEPTH)) return { problem: 'too_deep' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
    // only valid JSON is scanned: in a broken body (a string never closed) the scan's string matches each ran
    // to the end of the body, and 256 KiB of escaped quotes held the event loop 23 s
    if (MAY_UNDERFLOW.test(data)) parsed = JSON.parse(quoteUnderflows(data));
  } catch {
    return { problem: 'not_object' };
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? { object: parsed as Record<string, unknown> }
    : { problem: 'not_object' };
}

/** A JSON string (passed over whole), or a number. */
const STRING_OR_NUMBER = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
/** A text with no such number is not scanned (almost every body). */
const MAY_UNDERFLOW = /\d[eE]-\d|\.0{300}/;

/**
 * `text` with each number that JSON.parse would read as 0 though a digit of it is not 0 (`1e-400`, `-1e-400`,
 * `0.000…1` past 323 zeros) turned into a string: a number parsed loses what it was written as, and a balance
 * of `1e-400` read 0 and fired wallet_exhausted, where the same value in quotes is refused as an underflow
 * (parse.ts numberProblem). Strings are passed over whole, so a digit inside one is never touched. For valid
 * JSON only (linear there: every string ends).
 */
export function quoteUnderflows(text: string): string {
  return text.replace(STRING_OR_NUMBER, (m) => (m.startsWith('"') || Number(m) !== 0 || !/[1-9]/.test(m.split(/[eE]/)[0]!) ? m : `"${m}"`));
}

/** Whether brackets outside strings open more than max levels at some point: one pass, no allocation. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * The machine-readable code of an error answer — `{"code": "insufficient_balance"}` (Telephony.io),
 * `{"code": 20003}` (Twilio), `{"errors": [{"code": "10009"}]}` (Telnyx) — for the poll's error, as the
 * seed advises (log error codes). Null without one, or when it is not shaped like a code (free text, a
 * value shaped like a generated token), or when it shares a run of characters with anything `sent` (the
 * credentials, headers and query values of the request) or its base64: the body is the upstream's, and
 * one that echoes the key as its code (`sk_test_acme_voice_prod_2026` is shaped like a name) would print
 * the key. The runs are compared letters and digits only, so an echo with other separators
 * (`acme-voice-prod`, `zebra.panda`) is caught too.
 */
export function errorCode(data: unknown, sent: readonly string[]): string | null {
  const body = parseJsonObject(data);
  if (!('object' in body)) return null;
  const first = Array.isArray(body.object.errors) ? (body.object.errors[0] as unknown) : undefined;
  const code = body.object.code ?? (first !== null && typeof first === 'object' ? (first as Record<string, unknown>).code : undefined);
  const text = typeof code === 'number' && Number.isSafeInteger(code) ? String(code) : typeof code === 'string' ? code : null;
  if (text === null || !isName(text)) return null;
  // base64 of a value shorter than a run is a short run itself ("2" → "Mg"): it would hide codes, not secrets
  const forms = sent.flatMap((s) => (bare(s).length < SHARED_RUN ? [s] : [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url')]));
  return forms.some((s) => shareRun(text, s)) ? null : text;
}

/** Runs this long shared with a value sent hide a code (shorter ones where the code or the value is shorter). */
const SHARED_RUN = 6;

/**
 * Whether a value the request sends, but that is not a credential itself (a query value, a header less its
 * scheme word), is long enough to hide codes that share a run with it: `v=2`, `lang=en`, or the `A` left of
 * a username header `ops A` once `ops` is taken for a scheme word, would hide every code holding a 2, "en"
 * or an "a".
 */
export const hidesAsSent = (value: string): boolean => bare(value).length >= SHARED_RUN;

/** Letters and digits only, lower case: what the run check compares. */
const bare = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whether `code` and `secret` share a run of min(SHARED_RUN, either's length) letters and digits, case and separators aside. */
function shareRun(code: string, secret: string): boolean {
  const [c, s] = [bare(code), bare(secret)];
  if (s === '') return false;
  const n = Math.min(SHARED_RUN, c.length, s.length);
  for (let i = 0; i + n <= c.length; i++) if (s.includes(c.slice(i, i + n))) return true;
  return false;
}
