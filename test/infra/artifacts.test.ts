/**
 * The deployed artifacts work: synthesizes the app with real bundling, checks
 * each bundle, then runs every function from the cloud assembly in a fresh
 * Node process exactly as Lambda would (lambda-process.ts: the template's
 * handler and environment, the runtime's variables, an X-Ray daemon address)
 * against embedded DynamoDB/S3, driving ingest → train → recommend with API
 * Gateway v2 events carrying JWT claims as the authorizer passes them and an
 * EventBridge scheduled event. The one bundling test of the suite.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/attune-function';
import { startEmbeddedAws, type EmbeddedAws } from '../../infra/local/embedded';
import { buildHttpEvent } from '../../infra/local/http-event';
import { buildScheduledEvent } from '../../infra/local/schedule-event';
import { ADMIN_SCOPE } from '../../shared/http/auth';
import { API_METRICS, FUNCTIONS, TRAIN_METRICS, type FunctionName } from '../../shared/topology';
import { startLambda, type LambdaProcess } from './lambda-process';
import { logicalId, synth, type Synth } from './synth';

/** Upper bound per bundle: the SDK v3 clients minified are ~0.6 MiB; 5 MiB means something unintended got in. */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
type Http = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

describe('bundled functions, run as Lambda runs them', () => {
  let s: Synth;
  let assembly: string;
  let aws: EmbeddedAws;
  let xray: Socket;
  const segments: string[] = [];
  const processes: LambdaProcess[] = [];
  // Distinctive ids: no log line of any function may contain one.
  const users = Array.from({ length: 24 }, (_, i) => `user-${randomBytes(4).toString('hex')}-${i}`);

  const fnProps = (name: FunctionName) =>
    s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, s.stack.functions[name].fn)].Properties;
  const assetDir = (name: FunctionName) =>
    join(assembly, `asset.${(fnProps(name).Code.S3Key as string).replace(/\.zip$/, '')}`);

  /** The template's environment with the table and bucket references resolved to the embedded ones. */
  function environment(name: FunctionName): Record<string, string> {
    const refs: Record<string, string> = {
      [logicalId(s.stack, s.stack.table.table)]: aws.tableName,
      [logicalId(s.stack, s.stack.models.bucket)]: aws.bucketName,
    };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(fnProps(name).Environment.Variables as Record<string, unknown>)) {
      if (typeof v === 'string') out[k] = v;
      else {
        const ref = (v as { Ref?: string }).Ref;
        // the table's ARN (Train's export reads): dynalite has no export, so the job falls back to a scan
        const att = (v as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        if (att && att[1] === 'Arn' && refs[att[0]] === aws.tableName) {
          out[k] = `arn:aws:dynamodb:${aws.env.AWS_REGION}:000000000000:table/${aws.tableName}`;
          continue;
        }
        if (!ref || !refs[ref]) throw new Error(`${name}: ${k} is ${JSON.stringify(v)}, which the test cannot resolve`);
        out[k] = refs[ref];
      }
    }
    // What Lambda adds: region and credentials; the endpoints point the SDK at the embedded stores.
    const { AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3 } =
      aws.env;
    return {
      ...out,
      AWS_REGION,
      AWS_DEFAULT_REGION: AWS_REGION,
      AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY,
      AWS_ENDPOINT_URL_DYNAMODB,
      AWS_ENDPOINT_URL_S3,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${xray.address().port}`,
    };
  }

  async function start(
    name: FunctionName,
    timeoutSeconds?: number,
    env: Record<string, string> = {},
  ): Promise<LambdaProcess> {
    const p = fnProps(name);
    const proc = await startLambda({
      codeDir: assetDir(name),
      handler: p.Handler,
      environment: { ...environment(name), ...env },
      name,
      memoryMb: p.MemorySize,
      timeoutSeconds: timeoutSeconds ?? p.Timeout,
    });
    processes.push(proc);
    return proc;
  }

  /** Claims as the HTTP API JWT authorizer passes them for a Cognito access token. */
  const userClaims = (sub: string) => ({
    sub,
    token_use: 'access',
    client_id: 'app-client',
    scope: 'aws.cognito.signin.user.admin',
  });
  const adminClaims = { sub: 'admin-client', token_use: 'access', client_id: 'admin-client', scope: ADMIN_SCOPE };

  const emf = (proc: LambdaProcess) =>
    proc.logs.flatMap((l) => {
      try {
        const o = JSON.parse(l);
        return o._aws ? [o] : [];
      } catch {
        return [];
      }
    });
  const metricNames = (proc: LambdaProcess) =>
    new Set(
      emf(proc).flatMap((o) =>
        o._aws.CloudWatchMetrics.flatMap((m: { Metrics: { Name: string }[] }) => m.Metrics.map((x) => x.Name)),
      ),
    );

  beforeAll(async () => {
    s = synth({}, { bundle: true });
    assembly = s.app.synth().directory;
    aws = await startEmbeddedAws();
    xray = createSocket('udp4');
    xray.on('message', (m) => segments.push(m.toString('utf8')));
    await new Promise<void>((r) => xray.bind(0, '127.0.0.1', r));
  }, 600_000);

  afterAll(async () => {
    for (const p of processes) await p.stop();
    xray?.close();
    await aws?.stop();
  });

  it('bundles each function as minified ESM with a source map, within the size bound', () => {
    const sizes: Record<string, string> = {};
    for (const name of NAMES) {
      expect(fnProps(name).Handler).toBe('index.handler');
      const bundle = join(assetDir(name), 'index.mjs');
      expect(existsSync(bundle), `${name}: ${bundle}`).toBe(true);
      expect(existsSync(`${bundle}.map`), `${name} source map`).toBe(true);
      const code = readFileSync(bundle);
      const text = code.toString('utf8');
      // Banner first, so bundled CommonJS can still require() node built-ins.
      expect(text.startsWith(ESM_REQUIRE_BANNER.slice(0, 30)), `${name} banner`).toBe(true);
      expect(text).toMatch(/export\s*\{[^}]*handler/);
      expect(text).toContain('//# sourceMappingURL=index.mjs.map');
      // The SDK is bundled (measured cheaper to load than the runtime's copy): no bare @aws-sdk import left.
      expect(text).not.toMatch(/from\s*"@aws-sdk\//);
      const bytes = statSync(bundle).size;
      expect(bytes, name).toBeLessThan(MAX_BUNDLE_BYTES);
      sizes[name] = `${(bytes / 1024).toFixed(1)} KiB (${(gzipSync(code).length / 1024).toFixed(1)} KiB gzipped)`;
    }
    console.log('bundle sizes:', sizes);
  });

  it('drives ingest → train → recommend: metrics, traces, no user id in any log', async () => {
    const ingest = await start('Ingest');
    const send = async (event: ReturnType<typeof buildHttpEvent>) => (await ingest.invoke<Http>(event)).result;

    // Each user sends their own events with their own token; two taste clusters over 16 items.
    for (const [u, user] of users.entries()) {
      const items = Array.from({ length: 6 }, (_, j) => `item-${(u % 2) * 8 + ((u + j) % 8)}`);
      const res = await send(
        buildHttpEvent({
          method: 'POST',
          path: '/events',
          claims: userClaims(user),
          body: { events: items.map((itemId, j) => ({ eventId: `e-${u}-${j}`, userId: user, itemId, type: 'click' })) },
        }),
      );
      expect(res.statusCode, res.body).toBe(202);
      expect(JSON.parse(res.body)).toMatchObject({ accepted: 6 });
    }
    // Another user's token cannot write for users[0]; an admin (client-credentials scope) can erase.
    const forged = await send(
      buildHttpEvent({
        method: 'POST',
        path: '/events',
        claims: userClaims(users[1]),
        body: { events: [{ userId: users[0], itemId: 'item-1', type: 'click' }] },
      }),
    );
    // Refused as a whole (403, or 400 with the event rejected): nothing stored for users[0] by another token.
    expect([400, 403], forged.body).toContain(forged.statusCode);
    const erased = await send(buildHttpEvent({ method: 'DELETE', path: `/users/${users[23]}`, claims: adminClaims }));
    expect(erased.statusCode, erased.body).toBe(202);

    // Invoked with 21 s left, the run must not start training it cannot finish: the handler hands the job
    // its remaining time, and the job keeps 20 s to publish.
    const short = await start('Train', 21);
    const cut = await short.invoke<{ decision: string; reason: string }>(buildScheduledEvent());
    expect(cut.result).toMatchObject({ decision: 'failed', reason: expect.stringMatching(/left before the deadline/) });
    await short.stop();

    const train = await start('Train');
    const run = await train.invoke<{ decision: string; version?: string; counts?: { users?: number } }>(
      buildScheduledEvent(),
    );
    expect(run.result.decision).toBe('published');
    const again = await train.invoke<{ decision: string }>(buildScheduledEvent());
    expect(again.result.decision).toBe('skipped');

    // Started after the publish: the model loads during init (top-level await), the first request finds it.
    const recommend = await start('Recommend');
    const health = (await recommend.invoke<Http>(buildHttpEvent({ method: 'GET', path: '/health' }))).result;
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body).modelVersion ?? JSON.parse(health.body).status).toBeTruthy();
    const recs = (
      await recommend.invoke<Http>(
        buildHttpEvent({ method: 'GET', path: `/users/${users[2]}/recommendations?k=5`, claims: userClaims(users[2]) }),
      )
    ).result;
    expect(recs.statusCode, recs.body).toBe(200);
    const body = JSON.parse(recs.body);
    expect(body.modelVersion).toBe(run.result.version);
    expect(body.source).toBe('personalized');
    expect(body.items.length).toBeGreaterThan(0);
    const other = await recommend.invoke<Http>(
      buildHttpEvent({ method: 'GET', path: `/users/${users[2]}/recommendations`, claims: userClaims(users[3]) }),
    );
    expect(other.result.statusCode).toBe(403);

    // A deployment mistake (a table that does not exist) is a 500 and a Misconfigurations metric.
    const broken = await start('Ingest', undefined, { ATTUNE_TABLE: 'no-such-table' });
    const failed = (
      await broken.invoke<Http>(
        buildHttpEvent({
          method: 'POST',
          path: '/events',
          claims: userClaims(users[4]),
          body: { events: [{ userId: users[4], itemId: 'item-1', type: 'click' }] },
        }),
      )
    ).result;
    expect(failed.statusCode, failed.body).toBe(500);
    await broken.stop();
    expect([...metricNames(broken)]).toContain(API_METRICS.misconfigurations);

    for (const p of [ingest, train, recommend]) await p.stop();
    // A run cut short by its deadline is not a success; the two full runs are (published, then nothing new).
    expect(emf(short).some((o) => o[TRAIN_METRICS.succeeded] !== undefined)).toBe(false);
    expect(emf(train).filter((o) => o[TRAIN_METRICS.succeeded] === 1)).toHaveLength(2);

    // EMF metrics from every function.
    expect([...metricNames(ingest)]).toEqual(
      expect.arrayContaining([
        API_METRICS.eventsAccepted,
        API_METRICS.batchSize,
        API_METRICS.storeLatency,
        API_METRICS.coldStarts,
      ]),
    );
    expect([...metricNames(train)]).toEqual(
      expect.arrayContaining([TRAIN_METRICS.runs, TRAIN_METRICS.succeeded, TRAIN_METRICS.published]),
    );
    expect([...metricNames(recommend)]).toEqual(
      expect.arrayContaining([
        API_METRICS.answers,
        API_METRICS.coreLatency,
        API_METRICS.coldStarts,
        API_METRICS.modelRefreshes,
      ]),
    );
    const answers = emf(recommend).find((o) => o.Answers !== undefined);
    expect(answers?.source).toBe('personalized');

    // X-Ray: the handler subsegment and the captured SDK clients' calls reached the daemon address.
    const sent = segments.join('\n');
    expect(sent).toContain('"name":"## index.handler"');
    expect(sent).toMatch(/"name":"DynamoDB"/);
    expect(sent).toMatch(/"name":"S3"/);

    // No user id in any log line of any function (erasure never has to reach the log groups).
    const lines = [ingest, short, train, recommend, broken].flatMap((p) => p.logs);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) for (const u of users) expect(line.includes(u), line).toBe(false);
  }, 600_000);
});
