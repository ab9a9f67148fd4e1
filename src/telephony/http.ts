import axios, { type AxiosInstance } from 'axios';

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
    });
    instances.set(key, new WeakRef(http));
    forget.register(http, key);
  }
  return http;
}

/** How many base URLs have an instance kept (the memory test reads it). */
export const sharedInstances = (): number => instances.size;
