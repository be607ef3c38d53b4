import fs from 'node:fs';
import path from 'node:path';
import type { KnownUtterance } from './fake-speech-server';

const dir = path.resolve(__dirname, '../../fixtures/audio');

/** μ-law 8 kHz audio made with espeak-ng + sox -D (see test/fixtures/audio/generate.sh). */
export function loadAudio(name: string): Buffer {
  return fs.readFileSync(path.join(dir, `${name}.ulaw`));
}

/** What the fake recogniser "hears" in each fixture. */
export function knownUtterances(): KnownUtterance[] {
  return [
    { audio: loadAudio('fi-order-status'), transcript: 'missä tilaukseni on', confidence: 0.91 },
    { audio: loadAudio('fi-order-number'), transcript: 'tilausnumero on 12345', confidence: 0.88 },
    { audio: loadAudio('fi-human'), transcript: 'haluan puhua ihmisen kanssa', confidence: 0.93 },
    { audio: loadAudio('sv-order-status'), transcript: 'var är min beställning', confidence: 0.9 },
    { audio: loadAudio('en-order-status'), transcript: 'where is my order', confidence: 0.95 },
  ];
}

/** Silence in μ-law. */
export function silence(seconds: number): Buffer {
  return Buffer.alloc(Math.round(seconds * 8000), 0xff);
}

/** Splits audio into Twilio's 20 ms media frames (160 bytes). */
export function frames(audio: Buffer, size = 160): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += size) out.push(audio.subarray(offset, offset + size));
  return out;
}
