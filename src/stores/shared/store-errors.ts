/**
 * Errors the store adapters throw for broken input or infrastructure. Each has a stable `code`
 * so callers (the turn error boundary, the HTTP layer) can map them without parsing messages.
 * Expected outcomes ("not found") are return values, not errors.
 */
export class StoreError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** The conversation lock could not be acquired within the wait bound (another turn holds it too long). */
export class LockTimeoutError extends StoreError {
  constructor(readonly conversationId: string, readonly waitedMs: number) {
    super(
      'LOCK_TIMEOUT',
      `conversation ${conversationId} is busy: another turn held its lock for more than ${waitedMs} ms; ` +
        'retry the message, or raise the lock wait if turns legitimately take this long',
    );
    this.name = 'LockTimeoutError';
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * True when an error (or one it wraps) means the store cannot be reached right now: a retry later may succeed,
 * nothing was changed. `isAdapterConnectionError` recognises an adapter client's own errors (Redis). The HTTP layer
 * answers these with 503 and Retry-After instead of 500.
 */
export function isStoreUnavailable(error: unknown, isAdapterConnectionError: (error: unknown) => boolean = () => false): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof StoreError && current.code === 'STORE_UNAVAILABLE') return true;
    const { code } = current as { code?: unknown };
    if ((typeof code === 'string' && CONNECTION_CODES.has(code)) || isAdapterConnectionError(current)) return true;
  }
  return false;
}
