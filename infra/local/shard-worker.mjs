// A worker thread of the local training state machine: loads one Lambda handler (TypeScript, compiled in
// this thread by tsx, as bin/attune.mjs does in the main one) and runs the events posted to it one by one.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { handler } = await import(workerData.handlerUrl);
const context = { functionName: workerData.functionName, getRemainingTimeInMillis: () => workerData.timeoutMs };
parentPort.on('message', async ({ id, event }) => {
  try {
    parentPort.postMessage({ id, result: await handler(event, context) });
  } catch (err) {
    parentPort.postMessage({ id, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
});
parentPort.postMessage({ ready: true });
