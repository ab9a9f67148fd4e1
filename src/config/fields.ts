/** Field parsers for the settings: each turns an optional string into a typed value, or a message naming what is wrong. */
import { X509Certificate } from 'node:crypto';
import { PEM_MAX_BYTES, readConfigFile, whyNot } from './read-file.js';
import { z } from 'zod';
import { isPlainDecimal, MAX_BALANCE_MAGNITUDE, parseDecimal } from '../telephony/parse.js';
import { parseDuration } from './duration.js';
import { Secret, secretTextProblem } from './secret.js';
import type { AlertmanagerTarget } from './settings.js';
import { valueShown } from './shown.js';

export type Ctx = z.RefinementCtx;
export const fail = (ctx: Ctx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

export const text = (fallback: string) => z.string().optional().transform((v) => v ?? fallback);

export const number = <F extends number | undefined>(fallback: F, check: { min?: number; integer?: boolean; max?: number } = {}) =>
  z.string().optional().transform((v, ctx): number | F => {
    if (v === undefined) return fallback;
    // the balance field's rules: decimal only (Number() also reads 0x10, 0o20 and 0b10000 as 16)
    const n = parseDecimal(v);
    if (n === undefined) return fail(ctx, `${valueShown(v)} ${unreadable(v)}`);
    if (check.integer && !Number.isInteger(n)) return fail(ctx, `${valueShown(v)} is not a whole number`);
    if (check.min !== undefined && n < check.min) return fail(ctx, `${n} is below the minimum ${check.min}`);
    if (check.max !== undefined && n > check.max) return fail(ctx, `${n} is above the maximum ${check.max}`);
    return n;
  });

/**
 * Why a setting's text gives no number. One written as a number but past what a double holds exactly
 * (`1e16`, a port of 20 digits) or too close to 0 (`1e-400`, `1e-320`) was said to be "not a number".
 */
function unreadable(v: string): string {
  if (!isPlainDecimal(v)) return 'is not a number';
  return Math.abs(Number(v.trim())) > MAX_BALANCE_MAGNITUDE ? `is beyond ±${MAX_BALANCE_MAGNITUDE} (2^53 − 1), the largest number read` : 'is too close to 0 to be read';
}

/** An http(s) URL, or why not (never quoting it: a URL may hold a token). */
function parseHttp(raw: string): URL | string {
  if (/\s/.test(raw.trim())) return 'holds a space or other blank: separate several URLs with commas, and write a blank that belongs to the URL percent-encoded (%20)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `not a valid URL${withoutScheme(raw) ? ': it must begin with http:// or https://' : ''}`;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  // "localhost:9722" parses, with "localhost:" as its scheme: the first mistake of a URL typed without one
  return withoutScheme(raw) ? 'not a valid URL: it must begin with http:// or https://' : `scheme ${url.protocol} is not http: or https:`;
}

const withoutScheme = (raw: string): boolean => !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim());

/** An http(s) URL without credentials, without the spaces around it (URL parsers drop them; a base URL joined with a path would keep them as %20). */
export const httpUrl = (v: string, ctx: Ctx): string => {
  const url = parseHttp(v);
  if (typeof url === 'string') return fail(ctx, url);
  if (url.username || url.password) return fail(ctx, 'must not carry credentials in the URL');
  return v.trim();
};

/** A one-line secret (a key, a URL with a password): a line inside is a paste of two things, never part of it. */
export const secret = z.string().optional().transform((v, ctx) => {
  if (v === undefined) return undefined;
  const problem = secretTextProblem(v);
  return problem ? fail(ctx, problem) : new Secret(v);
});
export const emailAddress = /^[^\s@<>,]+@[^\s@<>,]+$/;

/** A sender: an address, or a display name and the address in angle brackets (`Wallet Sentinel <ws@example.com>`). */
export const emailSender = (v: string): boolean => {
  const named = /^([^\x00-\x1f\x7f<>"@,;]+?)\s*<([^<>]+)>$/.exec(v);
  return named ? emailAddress.test(named[2]!) : emailAddress.test(v);
};

export const duration = (fallback: string, minMs: number, max?: { ms: number; why: string }) =>
  text(fallback).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) return fail(ctx, `${valueShown(v)} is not a duration such as 30m, 4h or 900 (seconds)`);
    // 400 digits read Infinity, 1e14 days 8.64e21 ms: "never" in silence, and past what a time adds to exactly
    if (!(ms <= Number.MAX_SAFE_INTEGER)) return fail(ctx, `${valueShown(v)} is too long to be read as a duration (at most about 285,000 years)`);
    if (ms < minMs) return fail(ctx, `must be at least ${minMs} ms, got ${valueShown(v)}`);
    if (max && ms > max.ms) return fail(ctx, `must be at most ${max.why}, got ${valueShown(v)}`);
    return ms;
  });

/** `/api/v2/alerts` is appended to an Alertmanager's URL: `…/?x` posted to `/?x/api/v2/alerts`, every post a 404. */
export const AM_BASE_URL_ONLY = 'is a base URL (such as http://alertmanager:9093, or with its --web.route-prefix path): no query or fragment, /api/v2/alerts is appended to it';

export function alertmanagerTargets(list: string, ctx: Ctx): AlertmanagerTarget[] {
  const entries = list.split(',').map((s) => s.trim()).filter(Boolean);
  return entries.map((raw, i) => {
    const url = parseHttp(raw);
    if (typeof url === 'string') return fail(ctx, `URL #${i + 1}: ${url}`);
    if (/[?#]/.test(raw)) return fail(ctx, `URL #${i + 1}: ${AM_BASE_URL_ONLY}`);
    return { baseUrl: raw.replace(/\/+$/, ''), label: `alertmanager#${i + 1} (${url.host})` };
  });
}

/** A PEM file of one or more certificates, read now so a wrong path stops start-up, not the first alert. */
export function readPemCertificates(path: string, ctx: Ctx): string {
  const r = readConfigFile(path, PEM_MAX_BYTES);
  if (!('text' in r)) return fail(ctx, `cannot read ${path}: ${whyNot(r)}`);
  const pem = r.text;
  const problem = certificatesProblem(pem);
  if (problem) return fail(ctx, `${path} ${problem}`);
  return pem;
}

/**
 * Why a PEM bundle of CA certificates cannot be trusted as written, or undefined: it holds none, or a block
 * that is no certificate. Node's TLS skips a block it cannot read without a word, so a damaged bundle passed
 * start-up and every connection it should have verified then failed, pointing at the other side.
 */
export function certificatesProblem(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  const bad = blocks.findIndex((b) => {
    try {
      new X509Certificate(b);
      return false;
    } catch {
      return true;
    }
  });
  return bad < 0 ? undefined : `holds a block that is no certificate (the ${ordinal(bad + 1)} of ${blocks.length}: damaged or cut short?)`;
}

const ordinal = (n: number): string => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/**
 * Why an SMTP URL cannot be used, or undefined. It must parse as a URL here, not only look like one: the
 * mail library fails every send on one it cannot parse, and Node's warning about it prints the whole URL,
 * password included, on stderr (a password with an unencoded "/", or a "#" that .env cut as a comment).
 * The value itself is never in the message.
 */
export function smtpUrlProblem(url: string): string | undefined {
  if (!/^smtps?:\/\/[^/]/.test(url)) return 'must be an smtp:// or smtps:// URL';
  // URL parsers drop a tab or line end anywhere (a password "pa<newline>ss" would be sent as "pass").
  if (/[\x00-\x1f\x7f]/.test(url)) return 'must be one line without control characters (a line end or a tab)';
  // README, SMTP_URL: an "@" or ":" in the password works as it is (the user ends at the first ":", the
  // password at the last "@"), so the message must not send the user off to encode those.
  const encode = 'a "/", "#" or "?" in the user or password must be percent-encoded (%2F, %23, %3F); an "@" or ":" in the password works as it is';
  // "smtp://us/er:pw@host" parses, with "us" as the host: the login would go to another machine.
  const userinfo = /^smtps?:\/\/(.*)@/.exec(url)?.[1];
  if (userinfo !== undefined && /[/?#]/.test(userinfo)) return `is not a valid URL: ${encode}`;
  if (URL.canParse(url)) return numericOptionProblem(new URL(url).searchParams);
  // What follows the last "@" (a password may hold "/"): with a plain user in front, does it parse?
  const [, scheme, rest] = /^(smtps?:\/\/)(?:.*@)?(.*)$/.exec(url)!;
  if (url.includes('@') && URL.canParse(`${scheme}u@${rest}`)) {
    return `is not a valid URL: ${encode}`;
  }
  const port = /^[^/?#]*:([^:\]/?#]*)(?:[/?#]|$)/.exec(rest!)?.[1];
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) return 'is not a valid URL: the port after the host must be a number up to 65535';
  return 'is not a valid URL: the host must be a host name or an IP address';
}

/**
 * nodemailer's options that must be numbers: its URL parser turns '30000' into a number and leaves '30s' a
 * string, which reached the socket (`setTimeout('30s')`) and killed the daemon with an uncaught exception at
 * the first email.
 */
const NUMERIC_SMTP_OPTIONS = /^(connectionTimeout|greetingTimeout|socketTimeout|dnsTimeout|maxConnections|maxMessages|rateDelta|rateLimit)$/;

function numericOptionProblem(q: URLSearchParams): string | undefined {
  for (const [key, value] of q) {
    // given twice, nodemailer gets both as an array, which reached the socket as surely as '30s'
    if (q.getAll(key).length > 1) return `option ${key} is given more than once`;
    if (NUMERIC_SMTP_OPTIONS.test(key) && !/^\d+$/.test(value)) return `option ${key} must be a whole number${key.endsWith('Timeout') || key === 'rateDelta' ? ' of milliseconds (30000, not 30s)' : ''}`;
  }
  return undefined;
}

/**
 * The SMTP URL as the mail library gets it. A query string is nodemailer's transport options, and they win
 * over the ones wallet-sentinel sets: `?logger=true&debug=true` printed the whole SMTP dialogue (messages
 * included) on stdout beside the JSON log, and `?requireTLS=false` or `?ignoreTLS=true` sent the login in
 * clear where TLS is required (SMTP_REQUIRE_TLS, require_tls). Those keys are dropped: never the first two,
 * the TLS ones while TLS is required. Every other option stays the operator's (`?pool=true`, and
 * `?tls.rejectUnauthorized=false`, which turns the certificate check off: see tlsOptOut).
 */
export function transportUrl(url: string, requireTls: boolean): string {
  if (!url.includes('?')) return url;
  const u = new URL(url);
  const dropped = requireTls ? ['logger', 'debug', 'requireTLS', 'ignoreTLS'] : ['logger', 'debug'];
  for (const key of dropped) u.searchParams.delete(key);
  return u.href;
}

/** The query options of an SMTP URL that weaken TLS, by name (said at start; never the URL). */
export function tlsOptOut(url: string): string[] {
  if (!url.includes('?') || !URL.canParse(url)) return [];
  const q = new URL(url).searchParams;
  return [
    ...(q.get('tls.rejectUnauthorized') === 'false' ? ['tls.rejectUnauthorized=false (the server\'s certificate is not checked)'] : []),
    ...(q.get('ignoreTLS') === 'true' ? ['ignoreTLS=true'] : []),
    ...(q.get('requireTLS') === 'false' ? ['requireTLS=false'] : []),
  ];
}

export function isLoopbackSmtp(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

