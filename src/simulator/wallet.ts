/**
 * One simulated wallet: its key, path, balance over time (drain.ts: nothing runs on a timer, the balance is
 * brought up to the clock only when it is read) and its scripted responses.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { Drain, type DrainShape } from './drain.js';
import { checkAmount, topupEveryProblem } from './limits.js';
import { WIRES, type Creds, type Wire } from './wire.js';

export type BodyFormat = 'number' | 'string' | 'nested';
export const BODY_FORMATS: readonly BodyFormat[] = ['number', 'string', 'nested'];

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

export const round4 = (n: number): number => Math.round(n * 1e4) / 1e4;
export const NAME_RE = /^[A-Za-z0-9._-]+$/;
export class Wallet {
  readonly name: string;
  readonly path: string;
  readonly currency: string;
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
  readonly #drain: Drain;
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
    this.format = spec.format ?? 'number';
    const drain = { balance: spec.balance ?? 100, burnPerHour: spec.burnPerHour ?? 0, shape: spec.shape ?? { kind: 'constant' as const } };
    this.#drain = new Drain({ ...drain, topupEveryMs: every * 1000, topupAmount: spec.topupAmount ?? 50 }, now());
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
    return this.#drain.burnPerHour;
  }
  /** The automatic top-up's amount (and the control API's default top-up). */
  get topupAmount(): number {
    return this.#drain.amount;
  }
  balance(): number {
    return this.#drain.valueAt(this.now());
  }
  /** Throws a RangeError past MAX_AMOUNT (as do topUp, setBurnPerHour). */
  setBalance(n: number): void {
    checkAmount(`wallet ${this.name}: balance`, n);
    this.#drain.set(this.now(), n);
  }
  /** The balance after the top-up must stay within MAX_AMOUNT too. */
  topUp(amount: number): void {
    checkAmount(`wallet ${this.name}: top-up`, amount);
    const after = this.balance() + amount;
    checkAmount(`wallet ${this.name}: the balance after a top-up of ${amount}`, after);
    this.#drain.set(this.now(), after);
  }
  setBurnPerHour(n: number, shape?: DrainShape): void {
    checkAmount(`wallet ${this.name}: burnPerHour`, n);
    this.#drain.setBurn(this.now(), n, shape);
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
      burn_per_hour: this.burnPerHour,
      requests: this.requests,
    };
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
