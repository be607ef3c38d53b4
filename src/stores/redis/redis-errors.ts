import { ClientClosedError, ClientOfflineError, ConnectionTimeoutError, ReconnectStrategyError, SocketClosedUnexpectedlyError } from 'redis';

/** The Redis client's errors while its connection is down (it reconnects by itself; commands fail fast meanwhile). */
export function isRedisConnectionError(error: unknown): boolean {
  return error instanceof ClientOfflineError || error instanceof ClientClosedError || error instanceof SocketClosedUnexpectedlyError
    || error instanceof ConnectionTimeoutError || error instanceof ReconnectStrategyError;
}
