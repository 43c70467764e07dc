/**
 * `attune local …`: sam-style tools. invoke runs a real handler with the
 * environment the stack sets, against the stores of a running `npm start`
 * (same ATTUNE_HOME) or its own embedded ones; start-api serves the topology;
 * generate-event prints ready events; token issues dev JWTs.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../main';
import { FUNCTIONS, type FunctionName } from '../../../shared/topology';
import { startEmbeddedAws, type EmbeddedAws } from '../../local/embedded';
import { findRunningStack, localFunctionEnv, startLocalStack } from '../../local/stack';
import { buildHttpEvent, localContext } from '../../local/http-event';
import { buildScheduledEvent } from '../../local/schedule-event';
import { loadFunction } from '../../local/functions';
import { runTrainingWorkflow } from '../../local/train-workflow';
import { issueToken, localSigningKey } from '../../local/jwt';
import { statusRoutes } from '../../local/status';

const USAGE = [
  `attune local invoke <${Object.keys(FUNCTIONS).join('|')}> [--event FILE | -] [--home DIR] [--auth none|jwt]`,
  '       attune local start-api [--port 3000] [--home DIR] [--auth none|jwt]',
  '       attune local generate-event http --method GET --path /users/42/recommendations [--body JSON]',
  '           [--user ID] [--admin]',
  '       attune local generate-event schedule',
  '       attune local token --user ID [--admin] [--ttl SECONDS] [--home DIR]',
].join('\n');

const homeOf = (h?: string) => resolve(h ?? process.env.ATTUNE_HOME ?? '.attune');

/** Stores of a running npm start on this home, else our own embedded ones (stopped by the caller). */
async function stores(
  home: string,
): Promise<{ aws: Pick<EmbeddedAws, 'env' | 'tableName' | 'bucketName'>; stop: () => Promise<void>; shared: boolean }> {
  const running = findRunningStack(home);
  if (running) {
    const env = Object.fromEntries(Object.entries(running).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
    return {
      aws: { env, tableName: env.ATTUNE_TABLE, bucketName: env.ATTUNE_BUCKET },
      stop: async () => undefined,
      shared: true,
    };
  }
  const aws = await startEmbeddedAws({ home });
  return { aws, stop: () => aws.stop(), shared: false };
}

function readEvent(source: string | undefined, fn: FunctionName): unknown {
  if (source === '-') return JSON.parse(readFileSync(0, 'utf8'));
  if (source) return JSON.parse(readFileSync(source, 'utf8'));
  if (fn === 'Train') return buildScheduledEvent();
  throw new Error(`${fn} needs an event: --event FILE (see events/ or attune local generate-event http …)`);
}

async function invoke(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: 'string', short: 'e' },
      home: { type: 'string' },
      auth: { type: 'string', default: 'none' },
      // Train: the handler alone instead of the training state machine; or the state machine's large path
      direct: { type: 'boolean', default: false },
      distributed: { type: 'boolean', default: false },
    },
  });
  const fn = positionals[0] as FunctionName;
  if (!fn || !(fn in FUNCTIONS)) throw new Error(`name a function: ${Object.keys(FUNCTIONS).join(', ')}`);
  const event = readEvent(values.event, fn);
  const home = homeOf(values.home);
  const s = await stores(home);
  try {
    Object.assign(process.env, localFunctionEnv(s.aws, values.auth === 'jwt' ? 'jwt' : 'none'));
    console.error(
      `invoking ${fn} (${FUNCTIONS[fn].entry}) against ` +
        `${s.shared ? 'the running npm start' : 'embedded stores'} in ${home}`,
    );
    const started = performance.now();
    // The schedule starts the training state machine, so a local Train does too (infra/local/train-workflow.ts).
    const workflow = fn === 'Train' && !values.direct;
    if (workflow) console.error('running the training state machine (aws-local-stepfunctions)');
    const result = workflow
      ? await runTrainingWorkflow(values.distributed ? { ...(event as object), distributed: true } : event)
      : await (await loadFunction(fn))(event, localContext(fn, FUNCTIONS[fn].timeoutSeconds * 1000));
    console.error(`${fn} finished in ${(performance.now() - started).toFixed(1)} ms`);
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } finally {
    await s.stop();
  }
}

async function startApi(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      home: { type: 'string' },
      auth: { type: 'string', default: 'none' },
    },
  });
  const home = homeOf(values.home);
  if (findRunningStack(home)) throw new Error(`npm start is already serving ${home}; use its API or another --home`);
  const stack = await startLocalStack({
    home,
    port: Number(values.port),
    authMode: values.auth === 'jwt' ? 'jwt' : 'none',
    extraRoutes: statusRoutes(),
    log: (l) => console.log(l),
  });
  console.log(`Local API on ${stack.api.url} (auth ${values.auth}); Ctrl-C to stop`);
  await new Promise<void>((done) => {
    const stop = () => void stack.stop().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

function generateEvent(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      method: { type: 'string', default: 'GET' },
      path: { type: 'string' },
      body: { type: 'string' },
      user: { type: 'string' },
      admin: { type: 'boolean', default: false },
    },
  });
  const kind = positionals[0];
  if (kind === 'schedule') {
    console.log(JSON.stringify(buildScheduledEvent(), null, 2));
    return 0;
  }
  if (kind !== 'http') throw new Error('generate-event takes "http" or "schedule"');
  if (!values.path) throw new Error('generate-event http needs --path');
  const claims =
    values.user || values.admin
      ? { sub: values.user ?? 'admin', ...(values.admin ? { 'cognito:groups': ['admin'] } : {}) }
      : undefined;
  const body = values.body === undefined ? undefined : (JSON.parse(values.body), values.body);
  console.log(JSON.stringify(buildHttpEvent({ method: values.method!, path: values.path, body, claims }), null, 2));
  return 0;
}

async function token(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: 'string' },
      admin: { type: 'boolean', default: false },
      ttl: { type: 'string' },
      home: { type: 'string' },
    },
  });
  if (!values.user) throw new Error('token needs --user ID');
  const key = localSigningKey(join(homeOf(values.home), 'jwt-signing-key'));
  console.log(
    await issueToken(key, values.user, {
      admin: values.admin,
      ttlSeconds: values.ttl ? Number(values.ttl) : undefined,
    }),
  );
  return 0;
}

export const command: CliCommand = {
  summary: 'sam-style local tools: invoke, start-api, generate-event, token',
  usage: USAGE,
  options: [
    ['invoke FUNCTION', '', `runs one handler (${Object.keys(FUNCTIONS).join(', ')}) once and prints its result`],
    [
      '  --event FILE | -',
      'Train: a scheduled event',
      'the event to invoke with (events/ has one per route; - reads stdin)',
    ],
    ['  --auth none|jwt', 'none', 'none trusts the user in the path; jwt makes handlers check the claims'],
    ['  --direct', 'off', 'Train: the handler alone, not the training state machine the schedule starts'],
    ['  --distributed', 'off', "Train: the state machine's Distributed Map path whatever the data's size"],
    ['start-api', '', "serves the topology's routes over HTTP; no seeding, no training schedule (npm start does both)"],
    ['  --port N', '3000 or $PORT', 'port on 127.0.0.1'],
    ['  --auth none|jwt', 'none', 'jwt emulates the API Gateway JWT authorizer (401 without a valid token)'],
    ['generate-event http', '', 'prints an API Gateway HTTP API v2 event'],
    ['  --method M', 'GET', 'HTTP method'],
    ['  --path P', '', 'request path with query string; required'],
    ['  --body JSON', 'none', 'request body (checked to be JSON)'],
    ['  --user ID', 'no claims', 'puts a verified token for this user in the event'],
    ['  --admin', 'off', "adds the admin group to the token's claims"],
    ['generate-event schedule', '', 'prints the EventBridge event that triggers Train'],
    ['token', '', "prints a dev JWT signed with this home's local key, for --auth jwt"],
    ['  --user ID', '', "the token's subject; required"],
    ['  --admin', 'off', 'adds the admin group (catalog and erasure routes)'],
    ['  --ttl SECONDS', '43200 (12 h)', 'token lifetime'],
    [
      '--home DIR',
      '.attune or $ATTUNE_HOME',
      'data folder; invoke uses a running npm start on it, else its own stores',
    ],
  ],
  notes:
    "A scheduled Train run has the topology's budget of 600 s (ATTUNE_TRAIN_BUDGET_SECONDS overrides it; " +
    'npm start uses 20 s).',
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'invoke':
        return invoke(rest);
      case 'start-api':
        return startApi(rest);
      case 'generate-event':
        return generateEvent(rest);
      case 'token':
        return token(rest);
      default:
        console.error(USAGE);
        return 2;
    }
  },
};
