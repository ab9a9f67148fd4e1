/** The control API's input: request bodies and scripted responses, validated (bad input is a 400, never a crash). */
import type { IncomingMessage } from 'node:http';
import type { ScriptedResponse } from './wallet.js';

export class BadInput extends Error {}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new BadInput('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadInput(`body must be ${what}`);
  }
}

/** A JSON array of {status?, body?, headers?, delayMs?, hang?, drip?} (parseResponse). */
export function parseScript(text: string): ScriptedResponse[] {
  const data = parseJson(text, 'a JSON array of scripted responses');
  if (!Array.isArray(data)) throw new BadInput('body must be a JSON array of scripted responses');
  return data.map((item: unknown, i) => parseResponse(item, `[${i}]`));
}

/** One scripted response, or `null` (clears an override). */
export function parseOverride(text: string): ScriptedResponse | null {
  const data = parseJson(text, 'a JSON scripted response or null');
  return data === null ? null : parseResponse(data, 'override');
}

/** The keys a scripted response takes: any other is a mistake (`Status`, `hang: "yes"`) and a 400, not dropped. */
const KEYS = ['status', 'body', 'headers', 'delayMs', 'hang', 'drip'];
/** The longest delay or drip interval: Node's timers take at most 2^31 − 1 ms (about 24.8 days), and fire at once past it. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * One scripted response: `status` (200-599), `body` (a string, sent as is, or JSON), `headers` (strings),
 * `delayMs` (0 to MAX_TIMER_MS before answering), `hang: true` (the black hole: never answered, the
 * connection kept open), `drip: {intervalMs}` (the status and headers, then a space every interval, never
 * ending). Anything else is a BadInput naming it.
 */
function parseResponse(item: unknown, at: string): ScriptedResponse {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadInput(`${at} must be an object`);
  const o = item as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new BadInput(`${at}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (a scripted response takes ${KEYS.join(', ')})`);
  const out: ScriptedResponse = {};
  if (o.status !== undefined) {
    if (!Number.isInteger(o.status) || (o.status as number) < 200 || (o.status as number) > 599) {
      throw new BadInput(`${at}.status must be an HTTP status code`);
    }
    out.status = o.status as number;
  }
  if (o.body !== undefined) {
    if (typeof o.body !== 'string' && (typeof o.body !== 'object' || o.body === null)) {
      throw new BadInput(`${at}.body must be a string or JSON value`);
    }
    out.body = o.body;
  }
  if (o.headers !== undefined) {
    const h = o.headers;
    if (typeof h !== 'object' || h === null || Array.isArray(h) || !Object.values(h).every((v) => typeof v === 'string')) {
      throw new BadInput(`${at}.headers must be an object of strings`);
    }
    out.headers = h as Record<string, string>;
  }
  if (o.delayMs !== undefined) {
    if (typeof o.delayMs !== 'number' || !Number.isFinite(o.delayMs) || o.delayMs < 0 || o.delayMs > MAX_TIMER_MS) {
      throw new BadInput(`${at}.delayMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS} (about 24.8 days), got ${JSON.stringify(o.delayMs)}`);
    }
    out.delayMs = o.delayMs;
  }
  if (o.hang !== undefined) {
    if (typeof o.hang !== 'boolean') throw new BadInput(`${at}.hang must be true or false`);
    if (o.hang) out.hang = true;
  }
  if (o.drip !== undefined) {
    const d = o.drip as Record<string, unknown> | null;
    const ms = d?.intervalMs;
    if (typeof d !== 'object' || d === null || Array.isArray(d) || Object.keys(d).some((k) => k !== 'intervalMs') || typeof ms !== 'number' || !(ms >= 1 && ms <= MAX_TIMER_MS)) {
      throw new BadInput(`${at}.drip must be {"intervalMs": N}, N from 1 to ${MAX_TIMER_MS}`);
    }
    out.drip = { intervalMs: ms };
  }
  if (out.hang && out.drip) throw new BadInput(`${at}: hang and drip together (a hung request sends nothing; a drip sends its headers)`);
  return out;
}
