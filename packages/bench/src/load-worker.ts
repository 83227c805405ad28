import { parentPort, workerData } from 'node:worker_threads';
import { runLoadInThisThread } from './load-engine.js';
import type { LoadOptions } from './load-options.js';

// Entry point of the worker thread that `runLoad` starts: one load, one message with its result.
const result = await runLoadInThisThread(workerData as LoadOptions);
parentPort?.postMessage(result);
