// Worker thread entry: runs model jobs (pre-training, suggestion, posterior, held-out fit) off the
// server's main thread, so the language server always answers. One job at a time per worker.
import { parentPort } from 'node:worker_threads';
import { runJob } from './jobs/runJob';
import type { FromWorker, ToWorker } from './jobs/protocol';
import { wasmLinalgAvailable } from '../engine';

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread.');
// Compile the WebAssembly kernels now, before the first job waits for them.
wasmLinalgAvailable();

port.on('message', (message: ToWorker) => {
  const flag = new Int32Array(message.cancel);
  const post = (m: FromWorker): void => port.postMessage(m);
  runJob(message.request, {
    report: (fraction, text) => post({ id: message.id, type: 'progress', fraction, message: text }),
    cancelled: () => Atomics.load(flag, 0) === 1,
  }).then(
    (result) => post({ id: message.id, type: 'result', result }),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      post({ id: message.id, type: 'error', name: e.name, message: e.message });
    },
  );
});
