/**
 * `npm start`: the whole loop on a laptop. Embedded DynamoDB and S3 persist
 * under ATTUNE_HOME (default .attune/); an empty store is seeded with demo
 * data; training runs once and then on a local schedule; the API serves the
 * topology's routes. Ctrl-C stops everything; the next start reuses the data.
 */
import { LOCAL_TRAIN_EVERY_MINUTES } from '../../shared/topology';
import { findRunningStack, startLocalStack } from './stack';
import { releaseStaleLease } from './recover';
import { seedIfEmpty } from './seed';
import { runTraining, stopTraining } from './train-runner';
import { statusRoutes } from './status';
import { startArgs, type StartArgs } from './start-args';
import { endOnClosedOutput, whenOutputCloses } from '../cli/pipe';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `npm start | head` closing its reader printed an EPIPE stack: the start stops as on Ctrl-C instead
endOnClosedOutput('npm start');

/** Tuning + training budget of the local runs (the deployed job has 600 s). */
const LOCAL_TRAIN_BUDGET_SECONDS = 20;

/** A start that cannot go ahead: one line, exit 2 (a parse error or a port in use printed a stack). */
function refuse(message: string): never {
  console.error(`npm start: ${message}`);
  process.exit(2);
}

let values: StartArgs;
try {
  values = startArgs(process.argv.slice(2), process.env);
} catch (err) {
  refuse((err as Error).message);
}

if (values.help) {
  console.log(`npm start [-- options]: the whole service on this machine (embedded DynamoDB and S3, no AWS account)

Options:
  --port N                 API port on 127.0.0.1 [default: 3000 or $PORT]
  --home DIR               data folder, reused by the next start [default: .attune or $ATTUNE_HOME]
  --dataset demo|movielens what an empty store is seeded with: a generated shop (320 items, 400 users)
                           or a MovieLens folder given by --path (u.data, u.item) [default: demo]
  --path DIR               the MovieLens folder for --dataset movielens (download: docs/protocol.md)
  --train-every MINUTES    retrain on this schedule; 0 trains once at start only [default: ${LOCAL_TRAIN_EVERY_MINUTES}]
  --auth none|jwt          none trusts the user in the path; jwt emulates the JWT authorizer
                           (tokens: npx attune local token --user ID) [default: none]
  --quiet                  no request log lines [default: off]

Local training runs get a ${LOCAL_TRAIN_BUDGET_SECONDS} s budget (the deployed job 600 s);
set ATTUNE_TRAIN_BUDGET_SECONDS to change it.`);
  process.exit(0);
}

const { home, port, trainEvery, authMode } = values;
// LevelDB lets one process open the stores: a second start on the same home crashed inside dynalite
const running = findRunningStack(home);
if (running) refuse(`${home} is in use by the npm start at ${running.api} (pid ${running.pid}); stop it or use --home`);
const log = (line: string) => console.log(`[attune] ${line}`);
// Health checks (a script or the README polling for the first model) would bury the requests that matter.
const requestLog = (line: string) => {
  if (!line.startsWith('GET /health ')) log(line);
};
// Read before startLocalStack: it copies every function's environment, the Train budget of 600 s
// included, into process.env, after which the shell's choice could no longer be told from it.
const shellBudget = process.env.ATTUNE_TRAIN_BUDGET_SECONDS;

const stack = await startLocalStack({
  home,
  port,
  authMode,
  // Locally a new model should show up seconds after training, not after the deployed 30 s.
  env: { ATTUNE_MODEL_REFRESH_SECONDS: process.env.ATTUNE_MODEL_REFRESH_SECONDS ?? '2' },
  extraRoutes: statusRoutes(),
  log: values.quiet ? undefined : requestLog,
}).catch((err: NodeJS.ErrnoException) => {
  if (err.code === 'EADDRINUSE') refuse(`port ${port} is in use (another npm start?); use --port N or PORT`);
  if (err.code === 'EACCES') refuse(`port ${port}: permission denied; use --port N above 1023`);
  if (err.code === 'EHOMEINUSE') refuse(err.message);
  throw err;
});
const { api, aws } = stack;

let stopping = false;
let timer: NodeJS.Timeout | undefined;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (timer) clearInterval(timer);
  log('stopping…');
  stopTraining();
  await stack.stop();
  log('stopped');
  process.exit(code);
}
whenOutputCloses(() => void stop(0));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

log(`data in ${home}`);
log(`DynamoDB (dynalite) ${aws.dynamoEndpoint} table ${aws.tableName}`);
log(`S3 (s3rver)         ${aws.s3Endpoint} bucket ${aws.bucketName}`);

// A laptop demo wants its first model within a minute: bound the tuning budget
// unless the developer chose one (ATTUNE_TRAIN_BUDGET_SECONDS in the shell).
const trainEnv = { ATTUNE_TRAIN_BUDGET_SECONDS: shellBudget || String(LOCAL_TRAIN_BUDGET_SECONDS) };
// Ctrl-C mid-seed closes the stores under the seed: that is the stop, not an error to print
const unlessStopping = <T>(p: Promise<T>): Promise<T> =>
  p.catch((err) => (stopping ? new Promise<never>(() => undefined) : Promise.reject(err)));
const seeded = await unlessStopping(seedIfEmpty(stack, { dataset: values.dataset, path: values.path, log, home }));
// this process opened the stores: a lease in them is a dead run's, which would lock training for 30 minutes
await unlessStopping(releaseStaleLease(aws.tableName, log));
log(`training (first run, budget ${trainEnv.ATTUNE_TRAIN_BUDGET_SECONDS} s)…`);
await runTraining(home, log, trainEnv);

let busy = false;
if (trainEvery > 0) {
  timer = setInterval(async () => {
    if (busy || stopping) return;
    busy = true;
    try {
      await runTraining(home, log, trainEnv);
    } finally {
      busy = false;
    }
  }, trainEvery * 60_000);
  timer.unref();
}

const sample = seeded?.sampleUser ?? 'user-1';
const sampleItem = seeded?.sampleItem ?? 'item-1';
console.log(`
Attune is running at ${api.url}  (status page: ${api.url}/ · demo shop: ${api.url}/demo · OpenAPI: ${api.url}/openapi.json)
Training every ${trainEvery} min. Ctrl-C to stop.

Try:
  curl '${api.url}/users/${sample}/recommendations?k=5'
  curl -X POST ${api.url}/events -H 'content-type: application/json' \\
       -d '{"events":[{"userId":"${sample}","itemId":"${sampleItem}","type":"click"}]}'
  curl '${api.url}/items/${sampleItem}/similar?k=5'
`);
