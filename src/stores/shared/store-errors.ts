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
