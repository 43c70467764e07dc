// Runs one bundled handler the way the Lambda Node.js runtime does: import the
// module named by _HANDLER from LAMBDA_TASK_ROOT (init, top-level await
// included), report the init cost, then invoke the export once per message
// with a Lambda-shaped context and the per-invocation X-Ray trace header.
// Plain JavaScript on purpose: it must run in a bare `node` process.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [moduleName, exportName] = process.env._HANDLER.split('.');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let mod;
let initError;
try {
  mod = await import(pathToFileURL(join(process.env.LAMBDA_TASK_ROOT, `${moduleName}.mjs`)).href);
  if (typeof mod[exportName] !== 'function') initError = `${moduleName}.${exportName} is not a function`;
} catch (err) {
  initError = err?.stack ?? String(err);
}
const cpu = process.cpuUsage(cpu0);
process.send({ type: 'init', ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, error: initError });

process.on('message', async (msg) => {
  if (msg.type !== 'invoke') return;
  const requestId = randomUUID();
  const deadline = Date.now() + Number(msg.timeoutMs);
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}:live`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=${randomUUID().replace(/-/g, '').slice(0, 16)};Sampled=1`;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await mod[exportName](msg.event, context);
    const c = process.cpuUsage(cpuStart);
    process.send({
      type: 'result',
      id: msg.id,
      result,
      ms: performance.now() - started,
      cpuMs: (c.user + c.system) / 1000,
    });
  } catch (err) {
    process.send({ type: 'error', id: msg.id, error: err?.stack ?? String(err) });
  }
});
