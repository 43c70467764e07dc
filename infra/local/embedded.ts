/**
 * Embedded AWS for tests and `npm start`: dynalite (DynamoDB) and s3rver (S3)
 * on 127.0.0.1, created from the same table schema the CDK stack deploys.
 * Handlers reach them only through the standard AWS_ENDPOINT_URL_* variables.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { TABLE_SCHEMA, type TableSchema } from '../../shared/storage/schema';
import { ENV } from '../../shared/config';
import { ownMark, type ProcessMark, stillRunning } from './process-identity';

export interface EmbeddedOptions {
  /** Folder for persistent data; omitted = DynamoDB in memory and S3 in a temp folder removed on stop. */
  home?: string;
  tableName?: string;
  bucketName?: string;
  /** Fixed ports (0 or omitted = ephemeral). */
  dynamoPort?: number;
  s3Port?: number;
}

export interface EmbeddedAws {
  dynamoEndpoint: string;
  s3Endpoint: string;
  tableName: string;
  bucketName: string;
  /** The variables a handler needs to reach these stores (endpoints, names, fake credentials). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';

/** The CreateTable request for the shared schema (also what the stack's Table expresses). */
export function createTableInput(tableName: string, schema: TableSchema = TABLE_SCHEMA): CreateTableCommandInput {
  const attrs = new Map<string, 'S' | 'N'>();
  for (const a of [schema.partitionKey, schema.sortKey]) attrs.set(a.name, a.type);
  for (const ix of [...schema.localIndexes, ...schema.globalIndexes]) {
    attrs.set(ix.partitionKey.name, ix.partitionKey.type);
    attrs.set(ix.sortKey.name, ix.sortKey.type);
  }
  const keySchema = (pk: string, sk: string) => [
    { AttributeName: pk, KeyType: 'HASH' as const },
    { AttributeName: sk, KeyType: 'RANGE' as const },
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(schema.partitionKey.name, schema.sortKey.name),
    LocalSecondaryIndexes: schema.localIndexes.map((ix) => ({
      IndexName: ix.name,
      KeySchema: keySchema(ix.partitionKey.name, ix.sortKey.name),
      Projection: { ProjectionType: 'ALL' },
    })),
    GlobalSecondaryIndexes: schema.globalIndexes.map((ix) => ({
      IndexName: ix.name,
      KeySchema: keySchema(ix.partitionKey.name, ix.sortKey.name),
      Projection:
        ix.projection === 'include'
          ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...(ix.include ?? [])] }
          : { ProjectionType: ix.projection === 'keys' ? ('KEYS_ONLY' as const) : ('ALL' as const) },
    })),
  };
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

async function ensureBucket(client: S3Client, bucketName: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucketName }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucketName }));
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts dynalite and s3rver on loopback, creates the table and bucket if
 * missing, and returns their endpoints plus the environment a handler needs.
 */
export async function startEmbeddedAws(opts: EmbeddedOptions = {}): Promise<EmbeddedAws> {
  const unlock = opts.home ? lockHome(opts.home) : () => undefined;
  try {
    return await startStores(opts, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

/** A home's stores are open in another live process: LevelDB would refuse them with a crash inside dynalite. */
export class HomeInUseError extends Error {
  override name = 'HomeInUseError';
  readonly code = 'EHOMEINUSE';
}

/**
 * Takes `home/stores.lock` (this pid) or says who holds it. LevelDB allows one process per
 * folder, and refuses a second by throwing inside dynalite where no caller can catch it: two
 * `attune local invoke` or `import` runs on one home ended in a stack. A lock whose process is
 * gone (killed) is taken over.
 */
function lockHome(home: string): () => void {
  const file = join(home, 'stores.lock');
  mkdirSync(home, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(ownMark()), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const holder = readMark(readFileSync(file, 'utf8'));
    // a pid reused by another process since the holder died is not a holder (process-identity.ts)
    if (holder && stillRunning(holder))
      throw new HomeInUseError(
        `the stores in ${home} are open in process ${holder.pid} (npm start or attune local); stop it or use another home`,
      );
    rmSync(file, { force: true });
  }
}

/** The lock's holder: `{"pid","started"}`, or a bare pid (locks written before the start was recorded). */
function readMark(text: string): ProcessMark | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'number') return { pid: v };
    if (v && typeof v === 'object' && typeof (v as ProcessMark).pid === 'number') {
      const { pid, started } = v as ProcessMark;
      return typeof started === 'string' ? { pid, started } : { pid };
    }
  } catch {
    // not JSON: a torn or foreign file holds nothing
  }
  return null;
}

async function startStores(opts: EmbeddedOptions, unlock: () => void): Promise<EmbeddedAws> {
  const tableName = opts.tableName ?? 'attune-interactions';
  const bucketName = opts.bucketName ?? 'attune-models';
  const tempS3 = opts.home ? undefined : mkdtempSync(join(tmpdir(), 'attune-s3-'));
  const s3Dir = tempS3 ?? join(opts.home!, 's3');
  let dynamoDir: string | undefined;
  if (opts.home) {
    dynamoDir = join(opts.home, 'dynamodb');
    mkdirSync(dynamoDir, { recursive: true });
  }
  mkdirSync(s3Dir, { recursive: true });

  const dynamoServer: Server = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamoServer, opts.dynamoPort ?? 0);
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: opts.s3Port ?? 0,
    silent: true,
    directory: s3Dir,
    allowMismatchedSignatures: true,
  });
  const s3Addr = (await s3.run()) as AddressInfo;

  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const s3Endpoint = `http://127.0.0.1:${s3Addr.port}`;
  const ddb = new DynamoDBClient({ endpoint: dynamoEndpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  const s3c = new S3Client({
    endpoint: s3Endpoint,
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  try {
    await ensureTable(ddb, tableName);
    await ensureBucket(s3c, bucketName);
  } finally {
    ddb.destroy();
    s3c.destroy();
  }

  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    [ENV.table]: tableName,
    [ENV.bucket]: bucketName,
  };

  let stopped = false;
  return {
    dynamoEndpoint,
    s3Endpoint,
    tableName,
    bucketName,
    env,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
      await s3.close();
      if (tempS3) rmSync(tempS3, { recursive: true, force: true });
      unlock();
    },
  };
}
