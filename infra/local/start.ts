/**
 * `npm start`: the whole loop on a laptop. Embedded DynamoDB and S3 persist
 * under ATTUNE_HOME (default .attune/); an empty store is seeded with demo
 * data; training runs once and then on a local schedule; the API serves the
 * topology's routes. Ctrl-C stops everything; the next start reuses the data.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_TRAIN_EVERY_MINUTES } from '../../shared/topology';
import { startLocalStack } from './stack';
import { seedIfEmpty } from './seed';
import { runTraining } from './train-runner';
import { statusRoutes } from './status';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    home: { type: 'string' },
    dataset: { type: 'string', default: 'demo' },
    path: { type: 'string' },
    'train-every': { type: 'string' },
    auth: { type: 'string', default: 'none' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`npm start [-- --port 3000] [--home .attune] [--dataset demo|movielens --path DIR] [--train-every MINUTES] [--auth none|jwt]`);
  process.exit(0);
}

const home = resolve(values.home ?? process.env.ATTUNE_HOME ?? '.attune');
const port = Number(values.port ?? process.env.PORT ?? 3000);
const trainEvery = Number(values['train-every'] ?? process.env.ATTUNE_TRAIN_EVERY_MINUTES ?? LOCAL_TRAIN_EVERY_MINUTES);
const authMode = values.auth === 'jwt' ? 'jwt' : 'none';
if (values.dataset === 'movielens' && !values.path) {
  console.error('--dataset movielens needs --path DIR (a folder with u.data and u.item)');
  process.exit(2);
}
const log = (line: string) => console.log(`[attune] ${line}`);

const stack = await startLocalStack({
  home,
  port,
  authMode,
  // Locally a new model should show up seconds after training, not after the deployed 30 s.
  env: { ATTUNE_MODEL_REFRESH_SECONDS: process.env.ATTUNE_MODEL_REFRESH_SECONDS ?? '2' },
  extraRoutes: statusRoutes(),
  log: values.quiet ? undefined : log,
});
const { api, aws } = stack;

let stopping = false;
let timer: NodeJS.Timeout | undefined;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (timer) clearInterval(timer);
  log('stopping…');
  await stack.stop();
  log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

log(`data in ${home}`);
log(`DynamoDB (dynalite) ${aws.dynamoEndpoint} table ${aws.tableName}`);
log(`S3 (s3rver)         ${aws.s3Endpoint} bucket ${aws.bucketName}`);

// A laptop demo wants its first model within a minute: bound the tuning budget
// unless the developer chose one (ATTUNE_TRAIN_BUDGET_SECONDS).
const trainEnv = { ATTUNE_TRAIN_BUDGET_SECONDS: process.env.ATTUNE_TRAIN_BUDGET_SECONDS ?? '20' };
const seeded = await seedIfEmpty(stack, { dataset: values.dataset as 'demo' | 'movielens', path: values.path, log });
log('training (first run)…');
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
Attune is running at ${api.url}  (status page: ${api.url}/ · OpenAPI: ${api.url}/openapi.json)
Training every ${trainEvery} min. Ctrl-C to stop.

Try:
  curl '${api.url}/users/${sample}/recommendations?k=5'
  curl -X POST ${api.url}/events -H 'content-type: application/json' \\
       -d '{"events":[{"userId":"${sample}","itemId":"${sampleItem}","type":"click"}]}'
  curl '${api.url}/items/${sampleItem}/similar?k=5'
`);
