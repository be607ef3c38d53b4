import type { IncomingHttpHeaders } from 'node:http';

export type OriginVerdict = 'none' | 'same' | 'allowed' | 'denied';

/**
 * Decides whether a browser request's `Origin` may use the web API. Requests without an Origin
 * (curl, server-to-server) are not cross-site browser calls and are judged by their token alone.
 */
export function checkOrigin(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): OriginVerdict {
  const origin = headers.origin;
  if (origin === undefined || origin === '') return 'none';
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return 'denied';
  }
  if (host !== '' && host === headers.host) return 'same';
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return 'allowed';
  return 'denied';
}
