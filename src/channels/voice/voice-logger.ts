import { silentLogger, type Logger } from '../../core/logger';

/** The voice channel logs through the core logging port: dotted event names plus fields, no personal data. */
export type VoiceLogger = Logger;

export const silentVoiceLogger: VoiceLogger = silentLogger;
