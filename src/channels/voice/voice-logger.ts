/** pino-compatible structured logger: `logger.info({ callSid }, 'voice.call.started')`. No personal data in fields. */
export interface VoiceLogger {
  info(fields: Record<string, unknown>, event: string): void;
  warn(fields: Record<string, unknown>, event: string): void;
  error(fields: Record<string, unknown>, event: string): void;
}

export const silentVoiceLogger: VoiceLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
