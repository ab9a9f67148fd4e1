import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';

/**
 * The balance calls' connection pools: Node's global agents' settings (keep-alive, LIFO, an idle socket
 * closed after 5 s) but with TCP keep-alive's idle time at the 60 s axios's HTTP adapter sets on every
 * request's socket. The global agents set it back to 1 s when the socket returns to the pool, so each
 * request cost two `setsockopt` calls that changed nothing the pool relies on: ~0.3 s of the main thread
 * for the 10,000 first polls of a fleet's start-up (bench/fleet/README.md, 2026-12-06, stop 60). With the two agreeing,
 * Node sets it once per connection.
 */
const AXIOS_KEEPALIVE_MS = 60_000;
const agentOptions = { keepAlive: true, keepAliveMsecs: AXIOS_KEEPALIVE_MS, scheduling: 'lifo', timeout: 5_000 } as const;
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);

/**
 * One axios instance per API base URL (and body limit), shared by every wallet that polls it: an instance
 * costs ~6 KiB, and a fleet has thousands of wallets on a handful of APIs. It holds no secret: the key is
 * added per request, so inspecting the instance shows nothing. Held weakly: once no client uses a URL (a
 * reload moved its wallets elsewhere), its instance goes with the garbage, and its entry with it; held
 * strongly, every URL a long-running daemon's reloads ever named stayed in memory.
 */
const instances = new Map<string, WeakRef<AxiosInstance>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (instances.get(key)?.deref() === undefined) instances.delete(key);
});

export function sharedInstance(baseUrl: string, maxBodyBytes: number): AxiosInstance {
  const key = `${maxBodyBytes} ${baseUrl}`;
  let http = instances.get(key)?.deref();
  if (!http) {
    http = axios.create({
      baseURL: baseUrl,
      allowAbsoluteUrls: false,
      maxRedirects: 0,
      maxContentLength: maxBodyBytes,
      maxBodyLength: maxBodyBytes,
      responseType: 'text',
      // Parse JSON ourselves: an HTML page or a truncated body must become a clean bad_response.
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      httpAgent,
      httpsAgent,
    });
    instances.set(key, new WeakRef(http));
    forget.register(http, key);
  }
  return http;
}

/** How many base URLs have an instance kept (the memory test reads it). */
export const sharedInstances = (): number => instances.size;
