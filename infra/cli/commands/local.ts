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
import { FUNCTIONS, ROUTES, type FunctionName } from '../../../shared/topology';
import { number } from '../checks';
import { CliError, fsError } from '../io';
import { whenOutputCloses } from '../pipe';
import { releaseStaleLease } from '../../local/recover';
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
  '           [--direct | --distributed]   (Train)',
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
    const env = Object.fromEntries(
      Object.entries(running).filter(([k, v]) => typeof v === 'string' && k !== 'started'),
    ) as Record<string, string>;
    return {
      aws: { env, tableName: env.ATTUNE_TABLE, bucketName: env.ATTUNE_BUCKET },
      stop: async () => undefined,
      shared: true,
    };
  }
  const aws = await startEmbeddedAws({ home });
  return { aws, stop: () => aws.stop(), shared: false };
}

/** Functions API Gateway invokes: their event must be an HTTP API (v2) event. */
const HTTP_FUNCTIONS = new Set<string>(ROUTES.map((r) => r.function));

/**
 * The event to invoke with, checked the way a Lambda would never be called: a file that is
 * not JSON, or an HTTP function's event that is not an HTTP API event, is one line naming the
 * file (it was "Unexpected end of JSON input", or a TypeError from inside the handler).
 */
function readEvent(source: string | undefined, fn: FunctionName): unknown {
  if (!source) {
    if (fn === 'Train') return buildScheduledEvent();
    throw new CliError(`${fn} needs an event: --event FILE (see events/ or attune local generate-event http …)`);
  }
  const name = source === '-' ? 'stdin' : source;
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw fsError('--event', source, err);
  }
  let event: unknown;
  try {
    event = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CliError(`--event ${name}: not JSON (${(err as Error).message})`);
  }
  const e = event as { routeKey?: unknown; requestContext?: unknown } | null;
  if (
    HTTP_FUNCTIONS.has(fn) &&
    (typeof e?.routeKey !== 'string' || typeof e.requestContext !== 'object' || !e.requestContext)
  )
    throw new CliError(
      `--event ${name}: ${fn} takes an API Gateway HTTP API event (routeKey, requestContext, …): ` +
        'attune local generate-event http --method GET --path …',
    );
  if (!HTTP_FUNCTIONS.has(fn) && (typeof event !== 'object' || event === null || Array.isArray(event)))
    throw new CliError(`--event ${name}: ${fn} takes a JSON object`);
  return event;
}

/** `--auth`: a typo must not quietly mean "no auth". */
function authOf(raw: string): 'none' | 'jwt' {
  if (raw !== 'none' && raw !== 'jwt') throw new CliError(`--auth must be none or jwt, got "${raw}"`);
  return raw;
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
  if (!fn || !(fn in FUNCTIONS)) throw new CliError(`name a function: ${Object.keys(FUNCTIONS).join(', ')}`);
  const auth = authOf(values.auth);
  const event = readEvent(values.event, fn);
  const home = homeOf(values.home);
  const s = await stores(home);
  try {
    Object.assign(process.env, localFunctionEnv(s.aws, auth));
    // our own stores: no other process can be training on them, so a lease there is a killed run's
    if (!s.shared && (fn === 'Train' || fn === 'TrainControl'))
      await releaseStaleLease(s.aws.tableName, (l) => console.error(l));
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
  const authMode = authOf(values.auth);
  if (!/^\d+$/.test(values.port.trim()) || Number(values.port) > 65535)
    throw new CliError(`--port (or PORT) must be 0..65535, got "${values.port}"`);
  if (findRunningStack(home)) throw new CliError(`npm start is already serving ${home}; use its API or another --home`);
  const stack = await startLocalStack({
    home,
    port: Number(values.port),
    authMode,
    extraRoutes: statusRoutes(),
    log: (l) => console.log(l),
  });
  console.log(`Local API on ${stack.api.url} (auth ${values.auth}); Ctrl-C to stop`);
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void stack.stop().then(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // a reader that closed the log's pipe: stop like Ctrl-C, the home's files removed
    whenOutputCloses(stop);
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
  if (kind !== 'http') throw new CliError('generate-event takes "http" or "schedule"');
  if (!values.path) throw new CliError('generate-event http needs --path');
  const claims =
    values.user || values.admin
      ? { sub: values.user ?? 'admin', ...(values.admin ? { 'cognito:groups': ['admin'] } : {}) }
      : undefined;
  if (values.body !== undefined) {
    try {
      JSON.parse(values.body);
    } catch (err) {
      throw new CliError(`--body is not JSON (${(err as Error).message})`);
    }
  }
  const body = values.body;
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
  if (!values.user) throw new CliError('token needs --user ID');
  const ttl = number('ttl', values.ttl, true, 1);
  const key = localSigningKey(join(homeOf(values.home), 'jwt-signing-key'));
  console.log(
    await issueToken(key, values.user, {
      admin: values.admin,
      ttlSeconds: ttl,
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
        if (sub) console.error(`attune local: unknown subcommand "${sub}"\n`);
        console.error(USAGE);
        return 2;
    }
  },
};
