/**
 * Smoke test of a deployed Attune stack (or a local one), run after a deploy:
 *
 *   npm run smoke -- --url https://abc.execute-api.eu-west-1.amazonaws.com --token <user JWT> \
 *     [--admin-token <attune/admin JWT>] [--function <TrainFunctionName> [--region eu-west-1]]
 *
 * health → an event (a throwaway user's with --admin-token, else the token's
 * own user) → read it back → a training run (--function: Lambda Invoke of the
 * `live` alias, signed with the default AWS credentials) → a recommendation →
 * erasure of the throwaway user and a refused event for it. One line per
 * step; exit code 1 when a step fails.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    'admin-token': { type: 'string' },
    user: { type: 'string' },
    function: { type: 'string' },
    region: { type: 'string' },
    'lambda-endpoint': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (a.help || !a.url || !a.token) {
  console.log(`usage: npm run smoke -- --url URL --token JWT [--admin-token JWT] [--user ID]
       [--function TRAIN_FUNCTION_NAME [--region REGION] [--lambda-endpoint URL]]`);
  process.exit(a.help ? 0 : 2);
}
const base = a.url.replace(/\/+$/, '');

/** The token's subject (the user id the API acts for); the signature is the API's business. */
function subjectOf(jwt: string): string {
  try {
    return String(JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')).sub);
  } catch {
    throw new Error('--token is not a JWT; pass --user ID');
  }
}

interface Step {
  status: number;
  body: any;
  ms: number;
}

async function call(method: string, path: string, token?: string, body?: unknown): Promise<Step> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: shown as text
  }
  return { status: res.status, body: parsed, ms: Math.round(performance.now() - started) };
}

/** SHA-256 / HMAC-SHA-256 in the shape SignatureV4 expects, from node:crypto. */
class Sha256 {
  private hash!: ReturnType<typeof createHash>;
  constructor(private readonly secret?: string | Uint8Array) {
    this.reset();
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = (this.secret ? createHmac('sha256', this.secret) : createHash('sha256')) as ReturnType<
      typeof createHash
    >;
  }
}

/** Lambda Invoke (RequestResponse) of `name:live`, SigV4-signed with the default credential chain. */
async function invokeTrain(name: string): Promise<Step> {
  const region = a.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('--function needs --region (or AWS_REGION)');
  const endpoint = new URL(a['lambda-endpoint'] ?? `https://lambda.${region}.amazonaws.com`);
  const path = `/2015-03-31/functions/${encodeURIComponent(name)}/invocations`;
  const signer = new SignatureV4({ service: 'lambda', region, credentials: defaultProvider(), sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path,
    query: { Qualifier: 'live' },
    headers: { host: endpoint.host, 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
    body: '{}',
  });
  const started = performance.now();
  const res = await fetch(`${endpoint.origin}${path}?Qualifier=live`, {
    method: 'POST',
    headers: signed.headers as Record<string, string>,
    body: '{}',
  });
  const text = await res.text();
  const failed = res.headers.get('x-amz-function-error');
  return {
    status: failed ? 500 : res.status,
    body: text ? JSON.parse(text) : undefined,
    ms: Math.round(performance.now() - started),
  };
}

let failures = 0;
function report(ok: boolean, name: string, detail: string): void {
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(16)} ${detail}`);
}
const brief = (b: unknown) => JSON.stringify(b)?.slice(0, 160);

async function main(): Promise<void> {
  const me = a.user ?? subjectOf(a.token!);
  const admin = a['admin-token'];
  const throwaway = `smoke-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const subject = admin ? throwaway : me;
  const eventId = `smoke-${randomBytes(6).toString('hex')}`;

  const health = await call('GET', '/health');
  report(health.status === 200, 'health', `${health.status} ${brief(health.body)} (${health.ms} ms)`);

  const ev = { eventId, userId: subject, itemId: 'smoke-item', type: 'view' };
  const posted = await call('POST', '/events', admin ?? a.token, { events: [ev] });
  report(
    posted.status === 202 && posted.body?.accepted === 1,
    'event',
    `${posted.status} ${brief(posted.body)} (${posted.ms} ms)`,
  );

  const listed = await call('GET', `/users/${encodeURIComponent(subject)}/events?limit=5`, admin ?? a.token);
  const found =
    Array.isArray(listed.body?.events) && listed.body.events.some((e: { eventId?: string }) => e.eventId === eventId);
  report(
    listed.status === 200 && found,
    'read back',
    `${listed.status} ${found ? 'event found' : brief(listed.body)} (${listed.ms} ms)`,
  );

  if (a.function) {
    const run = await invokeTrain(a.function);
    const decision = run.body?.decision;
    report(
      run.status === 200 && ['published', 'skipped', 'rejected', 'locked'].includes(decision),
      'train',
      `${run.status} ${decision ?? brief(run.body)}: ${run.body?.reason ?? ''} (${(run.ms / 1000).toFixed(1)} s)`,
    );
  } else {
    console.log('skip train            (pass --function <TrainFunctionName> to run one)');
  }

  const recs = await call('GET', `/users/${encodeURIComponent(me)}/recommendations?k=5`, a.token);
  const items = recs.body?.items?.length;
  const answer =
    recs.status === 200
      ? `${items} items, source ${recs.body.source}, model ${recs.body.modelVersion}`
      : brief(recs.body);
  report(recs.status === 200 && items > 0, 'recommend', `${recs.status} ${answer} (${recs.ms} ms)`);

  if (admin) {
    const erased = await call('DELETE', `/users/${encodeURIComponent(throwaway)}`, admin);
    report(erased.status === 202, 'erase', `${erased.status} ${brief(erased.body)} (${erased.ms} ms)`);
    const after = await call('POST', '/events', admin, { events: [{ ...ev, eventId: `${eventId}-2` }] });
    const refused = after.status >= 400 || after.body?.accepted === 0;
    report(refused, 'erased refused', `${after.status} ${brief(after.body)}`);
  } else {
    console.log('skip erase            (pass --admin-token <attune/admin token> to erase a throwaway user)');
  }
  console.log(failures === 0 ? 'smoke: all steps passed' : `smoke: ${failures} step(s) failed`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(`smoke: ${(err as Error).message}`);
  process.exitCode = 1;
});
