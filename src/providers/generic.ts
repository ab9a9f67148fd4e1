/**
 * Any JSON balance endpoint: `balance_path` on `api_url`, authentication by `auth` (`bearer`, `basic`,
 * `header NAME`, `query NAME`), the number at `balance_field` (a dotted path), optionally cut out of a
 * string by `balance_regex` (its first group, else the whole match), multiplied by `balance_scale` and
 * by `balance_sign` (`-`: the API reports a debt as a positive number). Every amount rule still holds.
 */
import { createContext, Script, type Context } from 'node:vm';
import { readDottedField } from '../telephony/parse.js';
import { amountProblem, multiply } from './money.js';
import { badResponse, basic, bearer, cred, currencyAt, type GenericOptions, type Preset } from './preset.js';

const name = 'generic';
const MAX_REGEX_INPUT = 256;
/**
 * How long `balance_regex` may run on one balance. The expression is the operator's, the text the upstream's:
 * a nested quantifier (`^(\d+)+ cents`) on 30 characters that do not match backtracked for 22 s, the event
 * loop (every other wallet's poll, /metrics, /healthz) held throughout; the text's length cap cannot bound
 * that. A vm script's timeout interrupts the expression (about 0.3 ms a poll, for these wallets only).
 */
const REGEX_MS = 50;
/**
 * The timeout is wall-clock time: a garbage collection or a busy machine can take 50 ms from an expression
 * that needs 0.3 ms, and its poll failed. One that ran out is run again with this many times the budget, so
 * only an expression slow by itself fails; once it has (both runs out), it gets no second run again: one in
 * `defaults:` for 200 wallets held the event loop 250 ms a wallet, 50 s a round.
 */
const REGEX_RETRY_FACTOR = 4;
/** The expressions (by source and flags) that ran out twice: slow by themselves. */
const slowByItself = new Set<string>();
/** How many expressions were found slow by themselves (for tests). */
export const slowRegexCount = (): number => slowByItself.size;
let sandbox: { context: Context; script: Script } | undefined;

/** `re.exec(text)`, or 'timeout' when it ran past REGEX_MS, then (unless it did so before) past REGEX_RETRY_FACTOR × REGEX_MS. */
export function execBounded(re: RegExp, text: string, ms = REGEX_MS): RegExpExecArray | null | 'timeout' {
  const first = execWithin(re, text, ms);
  const key = `${re.flags}/${re.source}`;
  if (first !== 'timeout' || slowByItself.has(key)) return first;
  const second = execWithin(re, text, ms * REGEX_RETRY_FACTOR);
  if (second === 'timeout' && slowByItself.size < 1_000) slowByItself.add(key);
  return second;
}

function execWithin(re: RegExp, text: string, ms: number): RegExpExecArray | null | 'timeout' {
  sandbox ??= { context: createContext({}), script: new Script('found = re.exec(text)') };
  const { context, script } = sandbox;
  Object.assign(context, { re, text, found: null });
  try {
    script.runInContext(context, { timeout: ms });
    return context.found as RegExpExecArray | null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout';
    throw err;
  } finally {
    Object.assign(context, { re: undefined, text: undefined, found: null }); // the upstream's text is not kept
  }
}
/** `bearer` | `basic` | `header NAME` | `query NAME`: parsed, or why not. */
export function parseAuth(auth: string): { kind: 'bearer' | 'basic' } | { kind: 'header' | 'query'; param: string } | string {
  const s = auth.trim();
  if (s === 'bearer' || s === 'basic') return { kind: s };
  const m = /^(header|query)\s+([A-Za-z0-9!#$%&'*+.^_`|~-]+)$/.exec(s);
  if (m) return { kind: m[1] as 'header' | 'query', param: m[2]! };
  return "must be 'bearer', 'basic', 'header NAME' or 'query NAME'";
}

export const generic: Preset = {
  name,
  title: 'API',
  baseUrl: '',
  docs: 'your provider\'s API documentation',
  credentials: [
    { name: 'api_key', required: false, help: 'the key, for auth bearer, header NAME or query NAME' },
    { name: 'username', required: false, account: true, help: 'for auth basic' },
    { name: 'password', required: false, help: 'for auth basic' },
  ],
  settings: ['api_url (required)', 'balance_path (required)', 'balance_field', 'currency_field', 'auth', 'balance_regex', 'balance_scale', 'balance_sign'],
  topUp: "Top up the wallet in the provider's dashboard.",
  request: 'GET {balance_path} on {api_url}, auth bearer | basic | header NAME | query NAME',
  needs: (g: GenericOptions | undefined) => {
    const a = g ? parseAuth(g.auth) : 'bearer';
    return typeof a !== 'string' && a.kind === 'basic' ? ['username', 'password'] : ['api_key'];
  },
  endpoint(api) {
    const g: GenericOptions = api.generic ?? { auth: 'bearer', regex: undefined, scale: '1', sign: '+' };
    const auth = parseAuth(g.auth);
    if (typeof auth === 'string') throw new Error(`auth ${auth}`); // the configuration layer checked it
    const regex = g.regex === undefined ? undefined : new RegExp(g.regex);
    let path = api.balancePath;
    let headers: () => Record<string, string> = () => ({});
    if (auth.kind === 'basic') {
      const user = cred(api, 'username');
      const password = cred(api, 'password');
      headers = () => ({ Authorization: basic(user, password) });
    } else {
      const key = cred(api, 'api_key');
      if (auth.kind === 'bearer') headers = () => ({ Authorization: bearer(key) });
      else if (auth.kind === 'header') {
        const param = auth.param;
        headers = () => ({ [param]: key.reveal() });
      } else if (auth.kind === 'query') {
        path += `${path.includes('?') ? '&' : '?'}${encodeURIComponent(auth.param)}=${encodeURIComponent(key.reveal())}`;
        headers = () => ({});
      }
    }
    return {
      path,
      shownPath: api.balancePath.split(/[?#]/, 1)[0]!,
      headers,
      read: (body) => {
        let raw = readDottedField(body, api.balanceField);
        if (regex && (typeof raw === 'string' || typeof raw === 'number')) {
          // A balance is short: a long text is no balance, and costs the expression more (REGEX_MS bounds it).
          if (String(raw).length > MAX_REGEX_INPUT) throw badResponse(name, `field "${api.balanceField}" is longer than ${MAX_REGEX_INPUT} characters`);
          const m = execBounded(regex, String(raw));
          if (m === 'timeout') throw badResponse(name, `balance_regex ran longer than ${REGEX_MS} ms (${REGEX_MS * REGEX_RETRY_FACTOR} ms at its first retry) on field "${api.balanceField}" and was stopped: an expression with a nested quantifier such as (\\d+)+ backtracks without end on a text it does not match; simplify it`);
          if (!m) throw badResponse(name, `field "${api.balanceField}" does not match balance_regex`);
          raw = m[1] ?? m[0];
        }
        const problem = amountProblem(raw);
        if (problem !== null) throw badResponse(name, `field "${api.balanceField}" ${problem}`);
        const value = typeof raw === 'string' ? raw.trim() : (raw as number);
        const factor = g.sign === '-' ? multiply(g.scale, -1) : g.scale;
        const balance = multiply(value, factor);
        if (amountProblem(balance) !== null) throw badResponse(name, `field "${api.balanceField}" times balance_scale ${amountProblem(balance)}`);
        return { balance, ...currencyAt(name, body, api.currencyField) };
      },
      hints: { request: 'check api_url and balance_path', rejected: 'the credentials were rejected', credentials: `check auth and ${auth.kind === 'basic' ? 'username, password' : 'api_key'}` },
    };
  },
};
