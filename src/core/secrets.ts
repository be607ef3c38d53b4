import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 128 random bits as base64url: conversation ids nobody can guess. */
export function createConversationId(): string {
  return randomBytes(16).toString('base64url');
}

/** 256 random bits as base64url: a conversation's access token. */
export function createAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two secrets, whatever their lengths (both are hashed first). */
export function secretsEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
