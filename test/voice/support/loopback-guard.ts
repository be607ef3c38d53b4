import dns from 'node:dns';
import net from 'node:net';

/**
 * Records every outgoing TCP connection and DNS lookup made while installed, so a test can prove that
 * nothing (the Google client's metadata probe included) went past 127.0.0.1.
 */
export function installLoopbackGuard(): { targets: string[]; restore(): void } {
  const targets: string[] = [];
  const originalConnect = net.Socket.prototype.connect;
  const originalLookup = dns.lookup;
  net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
    const first = args[0] as { host?: string; port?: number; path?: string } | number | string | unknown[];
    const options = Array.isArray(first) ? (first[0] as { host?: string; port?: number; path?: string }) : first;
    if (typeof options === 'object' && options && !options.path) targets.push(`${options.host ?? 'localhost'}:${options.port}`);
    else if (typeof options === 'number') targets.push(`${typeof args[1] === 'string' ? args[1] : 'localhost'}:${options}`);
    return (originalConnect as (...inner: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  (dns as { lookup: unknown }).lookup = function lookup(hostname: string, ...rest: unknown[]) {
    targets.push(`dns:${hostname}`);
    return (originalLookup as (...inner: unknown[]) => unknown)(hostname, ...rest);
  };
  return {
    targets,
    restore() {
      net.Socket.prototype.connect = originalConnect;
      (dns as { lookup: unknown }).lookup = originalLookup;
    },
  };
}
