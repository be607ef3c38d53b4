import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Locale } from '../core/turn';
import { createNlu } from '../nlu/create-nlu';
import { loadNluData } from '../nlu/load-nlu-data';

export interface TrainNluJob {
  localesDir: string;
  locales: Locale[];
  cacheDir: string;
  orderNumberPattern?: string;
}

/**
 * Trains the NLU of changed locale files in a worker thread, filling the model cache, so a hot reload never stops
 * the event loop for the seconds training takes: the reload then builds its NLU from the cache. Resolves false
 * (the reload trains in place) when no worker can run, e.g. from TypeScript sources under a test runner.
 */
export function trainNluInWorker(job: TrainNluJob): Promise<boolean> {
  if (!__filename.endsWith('.js')) return Promise.resolve(false);
  return new Promise((resolve) => {
    const worker = new Worker(__filename, { workerData: job });
    worker.once('message', () => resolve(true));
    worker.once('error', () => resolve(false));
    worker.once('exit', (code) => resolve(code === 0));
  });
}

if (!isMainThread && parentPort && (workerData as TrainNluJob | undefined)?.cacheDir) {
  const job = workerData as TrainNluJob;
  try {
    createNlu(loadNluData(job.localesDir, job.locales), { cacheDir: job.cacheDir, orderNumberPattern: job.orderNumberPattern });
  } catch {
    // Broken NLU data: the reload's own validation reports it.
  }
  parentPort.postMessage('done');
}
