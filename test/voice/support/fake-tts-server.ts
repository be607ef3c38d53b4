import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface SynthesisSeen {
  input: { text?: string; ssml?: string };
  voice: { languageCode?: string; name?: string };
  audioConfig: { audioEncoding?: string; sampleRateHertz?: number };
}

export interface FakeTtsServer {
  port: number;
  requests: SynthesisSeen[];
  stop(): Promise<void>;
}

/** A WAV container around μ-law bytes, as Google returns MULAW (fmt chunk, then data). */
export function wavWrap(mulaw: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + mulaw.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(mulaw.length, 40);
  return Buffer.concat([header, mulaw]);
}

/**
 * A local `google.cloud.texttospeech.v1.TextToSpeech/SynthesizeSpeech` server from the protos shipped in
 * `@google-cloud/text-to-speech`: every line becomes `secondsPerLine` of a loud μ-law tone in a WAV container.
 */
export async function startFakeTtsServer(secondsPerLine = 1): Promise<FakeTtsServer> {
  const ttsProtos = path.resolve(path.dirname(require.resolve('@google-cloud/text-to-speech')), '../protos');
  const gaxProtos = path.resolve(path.dirname(require.resolve('google-gax')), '../protos');
  const definition = protoLoader.loadSync('google/cloud/texttospeech/v1/cloud_tts.proto', {
    includeDirs: [ttsProtos, gaxProtos], enums: String, longs: String, defaults: true, oneofs: true,
  });
  const ttsPackage = (grpc.loadPackageDefinition(definition) as any).google.cloud.texttospeech.v1;
  const requests: SynthesisSeen[] = [];
  const server = new grpc.Server();
  const tone = Buffer.alloc(Math.round(secondsPerLine * 8000));
  for (let index = 0; index < tone.length; index += 1) tone[index] = index % 16 < 8 ? 0x10 : 0x90;
  server.addService(ttsPackage.TextToSpeech.service, {
    synthesizeSpeech(call: any, callback: (error: grpc.ServiceError | null, response?: unknown) => void) {
      requests.push(call.request as SynthesisSeen);
      callback(null, { audioContent: wavWrap(tone) });
    },
    listVoices: (_call: unknown, callback: (error: null, response: unknown) => void) => callback(null, { voices: [] }),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  return { port, requests, stop: () => new Promise<void>((resolve) => { server.forceShutdown(); resolve(); }) };
}
