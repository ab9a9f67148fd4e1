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
  } catch {
    return { problem: 'not_object' };
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? { object: parsed as Record<string, unknown> }
    : { problem: 'not_object' };
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
