import { v1 } from '@google-cloud/text-to-speech';
import type { ClientOptions } from 'google-gax';
import type { SynthesisRequest, TextToSpeech } from './text-to-speech';

/** The slice of `v1.TextToSpeechClient` this adapter uses. */
export interface SynthesizeClient {
  synthesizeSpeech(request: object): Promise<[{ audioContent?: Uint8Array | string | null }, ...unknown[]]>;
  close(): Promise<void>;
}

export interface GoogleTextToSpeechOptions {
  /** Passed to `new v1.TextToSpeechClient(...)`; tests point it at a local server (see google-speech-to-text.ts). */
  clientOptions?: ClientOptions;
  client?: SynthesizeClient;
  /** Prompts synthesised once and kept (greetings and menus repeat on every call). */
  cacheEntries?: number;
}

/**
 * Google Cloud Text-to-Speech v1 behind the `TextToSpeech` port, asking for 8 kHz μ-law (telephone audio).
 * Google returns μ-law inside a WAV container; the header is removed so the bytes go to Twilio as they are.
 */
export function createGoogleTextToSpeech(options: GoogleTextToSpeechOptions = {}): TextToSpeech {
  const client: SynthesizeClient = options.client
    ?? (new v1.TextToSpeechClient(options.clientOptions ?? {}) as unknown as SynthesizeClient);
  const limit = Math.max(0, options.cacheEntries ?? 500);
  const cache = new Map<string, Promise<Buffer>>();

  return {
    synthesize(request: SynthesisRequest): Promise<Buffer> {
      const key = JSON.stringify([request.languageCode, request.voice ?? '', request.ssml ?? '', request.text ?? '']);
      const cached = cache.get(key);
      if (cached) return cached;
      const pending = client.synthesizeSpeech({
        input: request.ssml ? { ssml: request.ssml } : { text: request.text ?? '' },
        voice: { languageCode: request.languageCode, ...(request.voice ? { name: request.voice } : {}) },
        audioConfig: { audioEncoding: 'MULAW', sampleRateHertz: 8000 },
      }).then(([response]) => stripWavHeader(toBuffer(response.audioContent)));
      if (limit > 0) {
        cache.set(key, pending);
        pending.catch(() => cache.delete(key)); // a failure is not remembered
        while (cache.size > limit) cache.delete(cache.keys().next().value as string);
      }
      return pending;
    },
    close: () => client.close(),
  };
}

function toBuffer(content: Uint8Array | string | null | undefined): Buffer {
  if (!content) return Buffer.alloc(0);
  return typeof content === 'string' ? Buffer.from(content, 'base64') : Buffer.from(content);
}

/** The bytes of a RIFF/WAVE file's `data` chunk; other input is returned unchanged. */
export function stripWavHeader(audio: Buffer): Buffer {
  if (audio.length < 12 || audio.toString('ascii', 0, 4) !== 'RIFF' || audio.toString('ascii', 8, 12) !== 'WAVE') return audio;
  let offset = 12;
  while (offset + 8 <= audio.length) {
    const id = audio.toString('ascii', offset, offset + 4);
    const size = audio.readUInt32LE(offset + 4);
    if (id === 'data') return audio.subarray(offset + 8, Math.min(audio.length, offset + 8 + size));
    offset += 8 + size + (size % 2);
  }
  return Buffer.alloc(0);
}
