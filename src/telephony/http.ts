import axios, { type AxiosInstance } from 'axios';

/**
 * One axios instance per API base URL (and body limit), shared by every wallet that polls it: an instance
 * costs ~6 KiB, and a fleet has thousands of wallets on a handful of APIs. It holds no secret: the key is
 * added per request, so inspecting the instance shows nothing.
 */
const instances = new Map<string, AxiosInstance>();
export function sharedInstance(baseUrl: string, maxBodyBytes: number): AxiosInstance {
  const key = `${maxBodyBytes} ${baseUrl}`;
  let http = instances.get(key);
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
    instances.set(key, http);
  }
  return http;
}
