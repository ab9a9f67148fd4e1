/** What the balance request's path is, for messages: pure. */

/** The balance path without its query or fragment (they may hold credentials). */
const pathOnly = (balancePath: string): string => balancePath.split(/[?#]/, 1)[0] ?? '';

/**
 * `host/v1/wallet/balance`: the path axios really requests (its baseURL's path joined with the balance
 * path, one slash between), for messages. No userinfo, query or fragment: they may hold credentials.
 */
export function requestedPath(baseUrl: string, balancePath: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return '<invalid TELEPHONY_API_URL>'; // the URL's own error message would echo it; the config layer reports it
  }
  const base = url.pathname.replace(/\/+$/, '');
  const path = pathOnly(balancePath).replace(/^\/+/, '');
  return `${url.host}${base}/${path}`;
}

/**
 * The part of `baseUrl`'s path the request path starts with again (`/v2` for `https://api.telnyx.com/v2`
 * and `/v2/balance`): api_url copied from a provider's docs with its version in it. Undefined: none.
 */
export function doubledPrefix(baseUrl: string, balancePath: string): string | undefined {
  let base: string[];
  try {
    base = new URL(baseUrl).pathname.split('/').filter(Boolean);
  } catch {
    return undefined;
  }
  const path = pathOnly(balancePath).split('/').filter(Boolean);
  for (let n = Math.min(base.length, path.length - 1); n > 0; n--) {
    const tail = base.slice(-n);
    if (tail.every((seg, k) => seg === path[k])) return `/${tail.join('/')}`;
  }
  return undefined;
}
