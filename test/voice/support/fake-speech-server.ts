import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** One utterance the fake recogniser knows: audio that starts with `audio` is heard as `transcript`. */
export interface KnownUtterance {
  audio: Buffer;
  transcript: string;
  confidence: number;
}

export interface ReceivedStream {
  config: Record<string, unknown>;
  bytes: number;
  finals: string[];
}

export interface FakeSpeechServer {
  port: number;
  streams: ReceivedStream[];
  /** Fail the next stream with this gRPC status once it has received `afterBytes` audio bytes. */
  failNext(code: grpc.status, details: string, afterBytes?: number): void;
  stop(): Promise<void>;
}

const SILENCE_BYTES_FOR_END = 2400; // 0.3 s of silence ends an utterance, like an endpointer

function isSilent(byte: number): boolean {
  return (byte & 0x7f) >= 0x7c; // μ-law codes near zero amplitude
}

/**
 * A local `google.cloud.speech.v1.Speech/StreamingRecognize` server built from the protos shipped in
 * `@google-cloud/speech`. It detects the end of an utterance by trailing silence and answers with the
 * transcript of the known utterance the audio starts with (an interim result first).
 */
export async function startFakeSpeechServer(known: KnownUtterance[]): Promise<FakeSpeechServer> {
  const speechProtos = path.resolve(path.dirname(require.resolve('@google-cloud/speech')), '../protos');
  const gaxProtos = path.resolve(path.dirname(require.resolve('google-gax')), '../protos');
  const definition = protoLoader.loadSync('google/cloud/speech/v1/cloud_speech.proto', {
    includeDirs: [speechProtos, gaxProtos], enums: String, longs: String, defaults: true, oneofs: true,
  });
  const speechPackage = (grpc.loadPackageDefinition(definition) as any).google.cloud.speech.v1;
  const streams: ReceivedStream[] = [];
  // Leading silence is dropped frame by frame, so the utterance may start a few frames into the recording.
  const identify = (audio: Buffer) => (audio.length < 1600 ? undefined : known.find((entry) => entry.audio.indexOf(audio.subarray(0, 1600)) >= 0));
  let pendingFailure: { code: grpc.status; details: string; afterBytes: number } | undefined;

  const unimplemented = (_call: unknown, callback: (error: grpc.ServiceError) => void) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'fake', message: 'fake', name: 'Error', metadata: new grpc.Metadata() });

  const server = new grpc.Server();
  server.addService(speechPackage.Speech.service, {
    recognize: unimplemented,
    longRunningRecognize: unimplemented,
    streamingRecognize(call: any) {
      const received: ReceivedStream = { config: {}, bytes: 0, finals: [] };
      streams.push(received);
      const failure = pendingFailure;
      pendingFailure = undefined;
      let utterance: Buffer[] = [];
      let speechSeen = false;
      let silentRun = 0;
      let interimSent = false;
      let done = false;

      const finish = () => {
        const audio = Buffer.concat(utterance);
        utterance = [];
        speechSeen = false;
        interimSent = false;
        const match = identify(audio);
        const transcript = match?.transcript ?? '';
        if (!transcript) return;
        received.finals.push(transcript);
        call.write({ results: [{ alternatives: [{ transcript, confidence: match?.confidence ?? 0 }], isFinal: true }] });
      };

      call.on('data', (request: { streamingConfig?: Record<string, unknown>; audioContent?: Buffer }) => {
        if (done) return;
        if (request.streamingConfig) { received.config = request.streamingConfig; return; }
        const chunk = request.audioContent ?? Buffer.alloc(0);
        received.bytes += chunk.length;
        if (failure && received.bytes >= failure.afterBytes) {
          done = true;
          call.emit('error', { code: failure.code, details: failure.details });
          return;
        }
        for (const byte of chunk) {
          if (!speechSeen && isSilent(byte)) continue;
          speechSeen = true;
          silentRun = isSilent(byte) ? silentRun + 1 : 0;
        }
        if (speechSeen) utterance.push(chunk);
        if (speechSeen && !interimSent && Buffer.concat(utterance).length >= 1600) {
          interimSent = true;
          const audio = Buffer.concat(utterance);
          const match = identify(audio);
          if (match) call.write({ results: [{ alternatives: [{ transcript: match.transcript.split(' ')[0] }], isFinal: false, stability: 0.5 }] });
        }
        if (speechSeen && silentRun >= SILENCE_BYTES_FOR_END) finish();
      });
      call.on('end', () => {
        if (done) return;
        done = true;
        if (speechSeen) finish();
        call.end();
      });
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  return {
    port,
    streams,
    failNext(code, details, afterBytes = 0) { pendingFailure = { code, details, afterBytes }; },
    stop: () => new Promise<void>((resolve) => { server.forceShutdown(); resolve(); }),
  };
}
