/** The one error root: a stable code for clients and logs, plus the context it happened in. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly context: { conversationId?: string; flow?: string; state?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** The customer's input cannot be accepted as it is (a 4xx for HTTP channels); nothing was changed. */
export class InvalidTurnError extends AppError {
  constructor(code: string, message: string, conversationId?: string) {
    super(code, message, { conversationId });
    this.name = 'InvalidTurnError';
  }
}

/** The caller may not act on this conversation (missing or wrong access token). */
export class AccessDeniedError extends AppError {
  constructor(message: string, conversationId?: string) {
    super('access_denied', message, { conversationId });
    this.name = 'AccessDeniedError';
  }
}

/** The conversation does not exist (never did, ended long ago and expired, or was deleted). */
export class ConversationNotFoundError extends AppError {
  constructor(conversationId?: string) {
    super('conversation_not_found', `No conversation ${conversationId ?? ''}`.trim() + '.', { conversationId });
    this.name = 'ConversationNotFoundError';
  }
}
