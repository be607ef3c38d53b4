import crypto from 'node:crypto';
import net from 'node:net';
import type { AttemptCounters } from '../../../core/ports';

/**
 * Limits on guessing agent passwords (and the shared token). Counted in the store, so every worker and instance
 * shares one count; each count lives in a fixed window and expires by itself.
 */
export interface LoginThrottleOptions {
  windowMs: number;
  /** Attempts on one login name in a window; then that name is locked until the window ends. */
  maxPerAccount: number;
  /** Attempts from one client address (IPv6: one /64) in a window, across every name; then that address waits. */
  maxPerAddress: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = { windowMs: 15 * 60_000, maxPerAccount: 10, maxPerAddress: 100 };

export type ThrottleVerdict = { ok: true } | { ok: false; scope: 'account' | 'address'; retryAfterMs: number };

export interface LoginThrottle {
  /**
   * Counts an attempt before the password is checked (so parallel guesses cannot slip past the limit) and says
   * whether it may go ahead. A refused attempt never reaches the password check.
   */
  attempt(account: string, address: string): Promise<ThrottleVerdict>;
  /** The right password: the name's count starts again, and the address gets this attempt back. */
  succeeded(account: string, address: string): Promise<void>;
}

/** The address a limit applies to: IPv4 as it is (also when IPv4-mapped), IPv6 by its /64 network. */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (net.isIPv6(address)) return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
  return address;
}

function expandIpv6(address: string): string[] {
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array(Math.max(0, missing)).fill('0'), ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Counter keys name no one in the clear: the store holds hashes of login names and addresses. */
function keyOf(kind: 'account' | 'address', value: string): string {
  return `login:${kind}:${crypto.createHash('sha256').update(`${kind}:${value}`).digest('base64url').slice(0, 32)}`;
}

export function createLoginThrottle(counters: AttemptCounters, options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE): LoginThrottle {
  const accountKey = (account: string) => keyOf('account', account.normalize('NFC').toLowerCase());
  const addressKey = (address: string) => keyOf('address', addressBucket(address));
  return {
    async attempt(account, address) {
      // The address first: an address over its limit does not get to lock anyone's name as well.
      const byAddress = await counters.add(addressKey(address), 1, options.windowMs);
      if (byAddress.count > options.maxPerAddress) return { ok: false, scope: 'address', retryAfterMs: byAddress.resetInMs };
      const byAccount = await counters.add(accountKey(account), 1, options.windowMs);
      if (byAccount.count > options.maxPerAccount) return { ok: false, scope: 'account', retryAfterMs: byAccount.resetInMs };
      return { ok: true };
    },
    async succeeded(account, address) {
      await counters.reset(accountKey(account));
      await counters.add(addressKey(address), -1, options.windowMs);
    },
  };
}
