/**
 * One simulated wallet: its key, path, lazily computed clock-driven balance (a drain, optionally shaped
 * over the day, interleaved with automatic top-ups) and its scripted responses. Nothing here runs on a
 * timer: the balance is brought up to the clock only when it is read, so 10,000 idle wallets cost nothing.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { checkAmount, topupEveryProblem } from './limits.js';
import { WIRES, type Creds, type Wire } from './wire.js';

export type BodyFormat = 'number' | 'string' | 'nested';
export const BODY_FORMATS: readonly BodyFormat[] = ['number', 'string', 'nested'];

/**
 * How the burn rate varies: `constant`, or `daily`, a sine over the UTC day around `burnPerHour`
 * (rate = burnPerHour × (1 + amplitude × cos(2π (hour − peakHour) / 24)), amplitude in [0, 1], so the
 * rate never goes negative and the day's average is `burnPerHour`).
 */
export type DrainShape = { kind: 'constant' } | { kind: 'daily'; amplitude: number; peakHour?: number };

export interface WalletSpec {
  /** Unique; the control API's `/_sim/wallets/<name>/…` (letters, digits, `.`, `-`, `_`). */
  name: string;
  /** The balance path this wallet answers on (exact match, query string ignored). */
  path: string;
  apiKey: string;
  /** The provider whose wire format this wallet speaks (src/simulator/wire.ts); default telephony-io. */
  provider?: string;
  /** The provider's credentials; default `{api_key: apiKey}`. */
  credentials?: Creds;
  /** Telnyx: how far below zero the balance may go (the simulated value is then the available credit). */
  creditLimit?: number;
  /** Plivo, Vonage, ClickSend: the auto-recharge flag the body reports. */
  autoRecharge?: boolean;
  balance?: number;
  currency?: string;
  burnPerHour?: number;
  shape?: DrainShape;
  topupEverySeconds?: number;
  topupAmount?: number;
  format?: BodyFormat;
}

/** What script.ts accepts from the control API (delayMs and drip's intervalMs at most 2^31 − 1 ms). */
export interface ScriptedResponse {
  status?: number;
  body?: string | object;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
  drip?: { intervalMs: number };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const round4 = (n: number): number => Math.round(n * 1e4) / 1e4;
export const NAME_RE = /^[A-Za-z0-9._-]+$/;
export class Wallet {
  readonly name: string;
  readonly path: string;
  readonly currency: string;
  readonly topupAmount: number;
  /** Balance requests that reached this wallet's path (any method, any key, scripted or not). */
  requests = 0;
  format: BodyFormat;
  readonly provider: string;
  readonly wire: Wire;
  creditLimit: number;
  autoRecharge: boolean;
  private key: string;
  private creds: Creds;
  private auth: string; // the canonical auth string (`Bearer <key>`…), precomputed: compared on every request
  private burn: number;
  private shape: DrainShape;
  private readonly topupEveryMs: number;
  private value: number; // balance as of `at`
  private at: number;
  private nextTopupAt: number; // Infinity when automatic top-ups are off
  private readonly queue: ScriptedResponse[] = [];
  private override: ScriptedResponse | null = null;

  constructor(
    spec: WalletSpec,
    private readonly now: () => number,
  ) {
    if (!NAME_RE.test(spec.name)) throw new Error(`wallet name "${spec.name}": letters, digits, . - _ only`);
    if (!spec.path.startsWith('/') || spec.path.startsWith('/_sim/') || spec.path.includes('?')) {
      throw new Error(`wallet ${spec.name}: path "${spec.path}" must start with / and not with /_sim/, and hold no query`);
    }
    this.name = spec.name;
    this.path = spec.path;
    this.provider = spec.provider ?? 'telephony-io';
    const wire = WIRES[this.provider];
    if (!wire) throw new Error(`wallet ${spec.name}: no wire format for provider ${this.provider}`);
    this.wire = wire;
    this.key = spec.apiKey;
    this.creds = spec.credentials ?? { api_key: spec.apiKey };
    const signIns = [wire.keys, ...(wire.altKeys ? [wire.altKeys] : [])];
    if (!signIns.some((keys) => keys.every((k) => this.creds[k]))) {
      throw new Error(`wallet ${spec.name}: provider ${this.provider} needs credentials ${signIns.map((keys) => keys.join(' + ')).join(' or ')}`);
    }
    this.auth = wire.expected(this.creds);
    for (const k of ['balance', 'burnPerHour', 'topupAmount', 'creditLimit'] as const) {
      if (spec[k] !== undefined) checkAmount(`wallet ${spec.name}: ${k}`, spec[k]);
    }
    this.creditLimit = spec.creditLimit ?? 0;
    this.autoRecharge = spec.autoRecharge ?? false;
    this.currency = spec.currency ?? 'USD';
    const every = spec.topupEverySeconds ?? 0;
    const everyProblem = topupEveryProblem(every);
    if (everyProblem) throw new Error(`wallet ${spec.name}: topupEverySeconds ${everyProblem}`);
    this.topupEveryMs = every * 1000;
    this.topupAmount = spec.topupAmount ?? 50;
    this.format = spec.format ?? 'number';
    this.burn = spec.burnPerHour ?? 0;
    this.shape = checkShape(spec.shape ?? { kind: 'constant' });
    this.value = Math.max(0, spec.balance ?? 100);
    this.at = now();
    this.nextTopupAt = this.topupEveryMs > 0 ? this.at + this.topupEveryMs : Infinity;
  }

  get apiKey(): string {
    return this.key;
  }
  get credentials(): Creds {
    return this.creds;
  }
  /** The canonical auth string a request must carry (what `wire.of(req)` returns for a good one). */
  get expectedAuth(): string {
    return this.auth;
  }
  /** The credential a key rotation replaces: the secret the provider's sign-in checks (wire.ts `secret`). */
  get secretName(): string {
    return this.wire.secret?.(this.creds) ?? 'api_key';
  }
  /**
   * A new key: it replaces the secret the provider checks (`secretName`: api_key for most; Twilio's
   * auth_token, or api_key_secret when it signs in with an API key; Plivo's auth_token; Vonage's
   * api_secret; MessageBird's access_key), so the old credentials are rejected from now on (401, as a
   * revoked key). Identifiers (account_sid, auth_id, username…) stay: the balance path may hold them.
   */
  setApiKey(key: string): void {
    this.key = key;
    this.creds = { ...this.creds, [this.secretName]: key };
    this.auth = this.wire.expected(this.creds);
  }
  /** The request's canonical auth string (undefined: none sent). */
  authOf(req: IncomingMessage): string | undefined {
    return this.wire.of(req);
  }
  authorized(token: string | undefined): boolean {
    return token === this.auth;
  }
  /** What an empty wallet answers: Telephony.io a 402; the other providers a 200 with the balance at the floor. */
  get outOfFundsStatus(): number {
    return this.provider === 'telephony-io' ? 402 : 200;
  }

  get burnPerHour(): number {
    return this.burn;
  }
  balance(): number {
    this.sync();
    return this.value;
  }
  /** Throws a RangeError past MAX_AMOUNT (as do topUp, setBurnPerHour). */
  setBalance(n: number): void {
    checkAmount(`wallet ${this.name}: balance`, n);
    this.sync();
    this.value = Math.max(0, n);
  }
  /** The balance after the top-up must stay within MAX_AMOUNT too. */
  topUp(amount: number): void {
    checkAmount(`wallet ${this.name}: top-up`, amount);
    this.sync();
    checkAmount(`wallet ${this.name}: the balance after a top-up of ${amount}`, this.value + amount);
    this.value = Math.max(0, this.value + amount);
  }
  setBurnPerHour(n: number, shape?: DrainShape): void {
    checkAmount(`wallet ${this.name}: burnPerHour`, n);
    this.sync();
    this.burn = n;
    if (shape) this.shape = checkShape(shape);
  }
  enqueue(...r: ScriptedResponse[]): void {
    this.queue.push(...r);
  }
  setOverride(r: ScriptedResponse | null): void {
    this.override = r;
  }

  /**
   * The scripted response for this request, if any, consuming a queued one. Auth comes first unless the
   * script names its status explicitly (so a 401/429 can be scripted); an unscripted request with a bad
   * key gets `authStatus` (401, or 403 for another wallet's key).
   */
  take(authOk: boolean, authStatus: number): ScriptedResponse {
    let script = this.override ?? this.queue[0];
    if (script && script.status === undefined && !authOk) script = undefined;
    if (script && !this.override) this.queue.shift();
    if (!script && !authOk) script = { status: authStatus };
    return script ?? {};
  }

  state(): object {
    return {
      name: this.name,
      path: this.path,
      balance: round4(this.balance()),
      currency: this.currency,
      burn_per_hour: this.burn,
      requests: this.requests,
    };
  }

  /** Bring `value` up to the clock: drain, interleaved with any automatic top-ups due since `at`. */
  private sync(): void {
    const now = this.now();
    if (now <= this.at) return; // a clock that goes back changes nothing
    if (this.nextTopupAt <= now) this.topUpsTo(now);
    this.drainTo(now);
  }
  /**
   * The automatic top-ups due by `now`: counted (Math.floor of the time elapsed over the interval), each at
   * `first + k × interval`, never by adding the interval again and again (a step below the clock's precision
   * left the sum unchanged and the loop never ended). A constant drain is one step whatever the count: with
   * u the balance just before a top-up less nothing, each interval is u → max(0, u + A − d), so after k of
   * them u + k(A − d) floored at 0. A daily shape drains a different amount each interval: one step each.
   */
  private topUpsTo(now: number): void {
    const first = this.nextTopupAt;
    const every = this.topupEveryMs;
    const n = Math.floor((now - first) / every) + 1; // top-ups at first, first + every, … up to now
    const amount = this.topupAmount;
    this.drainTo(first);
    this.value += amount;
    if (n > 1) {
      if (this.shape.kind === 'constant' || this.shape.amplitude === 0 || this.burn === 0) {
        const last = first + (n - 1) * every;
        const perInterval = this.consumed(first, first + every);
        this.value = Math.max(0, this.value - amount + (n - 1) * (amount - perInterval)) + amount;
        this.at = last;
      } else {
        for (let k = 1; k < n; k++) {
          this.drainTo(first + k * every);
          this.value += amount;
        }
      }
    }
    this.nextTopupAt = first + n * every;
  }
  /** The drain is never negative, so flooring at 0 once at the end of the stretch is exact. */
  private drainTo(t: number): void {
    this.value = Math.max(0, this.value - this.consumed(this.at, t));
    this.at = t;
  }
  /** Credits spent between a and b: the integral of the rate, closed form (O(1) however long the gap). */
  private consumed(a: number, b: number): number {
    const base = (this.burn * (b - a)) / HOUR_MS;
    if (this.shape.kind === 'constant' || this.shape.amplitude === 0) return base;
    const w = (2 * Math.PI) / DAY_MS;
    const phase = ((this.shape.peakHour ?? 0) * HOUR_MS) % DAY_MS;
    const wave = (Math.sin(w * (b - phase)) - Math.sin(w * (a - phase))) / w;
    return base + (this.burn * this.shape.amplitude * wave) / HOUR_MS;
  }

  balanceBody(): object {
    const b = this.balance();
    if (this.provider !== 'telephony-io') {
      return this.wire.body({ balance: b, currency: this.currency, numbers: this.format === 'number' ? 'number' : 'string', creditLimit: this.creditLimit, autoRecharge: this.autoRecharge });
    }
    switch (this.format) {
      case 'number':
        return { balance: round4(b), currency: this.currency };
      case 'string':
        return { balance: b.toFixed(2), currency: this.currency };
      case 'nested':
        return { data: { attributes: { balance: b.toFixed(2), currency: this.currency } } };
    }
  }

  defaultBody(status: number): object | undefined {
    switch (status) {
      case 200: return this.balanceBody();
      case 204: case 304: return undefined;
      case 400: return { error: 'Invalid request parameters', code: 'invalid_parameter' };
      case 401: return { error: 'Invalid API key', code: 'unauthorized' };
      case 402:
        return {
          error: 'Insufficient credits to complete this request',
          code: 'insufficient_balance',
          required_credits: 0.01,
          current_balance: round4(this.balance()),
        };
      case 403: return { error: 'This API key has no access to this wallet', code: 'forbidden' };
      case 404: return { error: 'Not found', code: 'not_found' };
      case 429: return { error: 'Rate limit exceeded', code: 'rate_limit_exceeded' };
      default: {
        const error = STATUS_CODES[status] ?? 'Error';
        return { error, code: status >= 500 ? 'internal_error' : error.toLowerCase().replace(/\W+/g, '_') };
      }
    }
  }
}

function checkShape(s: DrainShape): DrainShape {
  if (s.kind === 'daily') {
    if (!(s.amplitude >= 0 && s.amplitude <= 1)) throw new Error(`daily shape: amplitude must be in [0, 1], got ${s.amplitude}`);
    if (s.peakHour !== undefined && !(s.peakHour >= 0 && s.peakHour < 24)) throw new Error(`daily shape: peakHour must be in [0, 24), got ${s.peakHour}`);
  } else if (s.kind !== 'constant') {
    throw new Error(`unknown drain shape ${JSON.stringify((s as { kind: unknown }).kind)}`);
  }
  return s;
}
