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

/** A JSON array of {status?, body?, headers?, delayMs?}. */
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

function parseResponse(item: unknown, at: string): ScriptedResponse {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadInput(`${at} must be an object`);
  const o = item as Record<string, unknown>;
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
    if (typeof o.delayMs !== 'number' || !Number.isFinite(o.delayMs) || o.delayMs < 0) {
      throw new BadInput(`${at}.delayMs must be a non-negative number`);
    }
    out.delayMs = o.delayMs;
  }
  return out;
}
