/**
 * Store faults the embedded stores cannot produce on their own: UnprocessedItems, throttling,
 * access denied, missing tables, 403s (aws-sdk-client-mock on one client instance), plus faults
 * injected into a real dynalite round trip (an ambiguous write, an erasure landing between a
 * write and its re-check, values DynamoDB refuses) and a hung endpoint (timeouts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableInput } from '../../infra/local/embedded';
import type { Interaction } from '../../shared/events';
import {
  InvalidCursorError,
  StoreInputError,
  StoreMisconfiguredError,
  StoreUnavailableError,
} from '../../shared/ports/interactions';
import { attemptTimeoutMs, dynamoDocumentClient, STORE_TIMEOUTS, s3Client } from '../../shared/storage/aws/clients';
import { classifyStoreError } from '../../shared/storage/aws/errors';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { KEY, keys } from '../../shared/storage/schema';
import { useEmbeddedAws } from '../helpers/aws';

const aws = useEmbeddedAws();
const TABLE = 't';
const ev = (userId: string, n: number, extra: Partial<Interaction> = {}): Interaction => ({
  eventId: `e${n}`,
  userId,
  itemId: `i${n % 7}`,
  type: 'click',
  timestamp: 1_700_000_000_000 + n * 1000,
  receivedAt: 1_700_000_000_000 + n * 1000,
  ...extra,
});
const sdkError = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const fastRetry = { baseDelayMs: 1, maxDelayMs: 2 };

/** A mocked document client: every send answers from the stubs, no network, no SDK retries. */
function mocked() {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const mock = mockClient(doc);
  mock.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
  return { mock, store: new DynamoInteractionStore(doc, TABLE, { retry: fastRetry, erasureSweepDelayMs: 0 }) };
}

describe('client settings', () => {
  it('S3 checksums are relaxed to WHEN_REQUIRED only for a local endpoint (s3rver), like path-style', async () => {
    const aws = s3Client({});
    const local = s3Client({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' });
    expect(await aws.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    expect(await aws.config.responseChecksumValidation()).toBe('WHEN_SUPPORTED');
    expect(aws.config.forcePathStyle).toBe(false);
    expect(await local.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await local.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    expect(local.config.forcePathStyle).toBe(true);
  });

  it('an attempt against a local endpoint may take longer; the budget never grows', () => {
    const t = STORE_TIMEOUTS.write;
    expect(attemptTimeoutMs(t, {})).toBe(t.requestTimeoutMs);
    const local = attemptTimeoutMs(t, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' });
    expect(local).toBeGreaterThan(t.requestTimeoutMs);
    expect(local).toBeLessThanOrEqual(t.budgetMs);
  });
});

describe('classification: one table for every SDK error', () => {
  const cases: [string, unknown, boolean, string, number?][] = [
    ['throttling', sdkError('ProvisionedThroughputExceededException', 400), false, 'StoreUnavailableError', 2],
    ['5xx', sdkError('InternalServerError', 500), false, 'StoreUnavailableError', 5],
    [
      'refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      false,
      'StoreUnavailableError',
    ],
    ['timeout', Object.assign(new Error('slow'), { name: 'TimeoutError' }), false, 'StoreUnavailableError'],
    ['access denied', sdkError('AccessDeniedException', 400), true, 'StoreMisconfiguredError'],
    ['missing table', sdkError('ResourceNotFoundException', 400), false, 'StoreMisconfiguredError'],
    ['bad credentials', sdkError('UnrecognizedClientException', 400), false, 'StoreMisconfiguredError'],
    [
      'missing index',
      sdkError('ValidationException', 400, 'The table does not have the specified index: X'),
      true,
      'StoreMisconfiguredError',
    ],
    ['value refused', sdkError('ValidationException', 400, 'Number overflow.'), true, 'StoreInputError'],
    [
      'our own bad request',
      sdkError('ValidationException', 400, 'Invalid KeyConditionExpression'),
      false,
      'StoreMisconfiguredError',
    ],
    [
      'marshalling',
      new Error('Number 1e+20 is greater than Number.MAX_SAFE_INTEGER. Use NumberValue'),
      true,
      'StoreInputError',
    ],
    ['unknown', new Error('something else'), true, 'StoreMisconfiguredError'],
  ];
  for (const [label, err, callerValues, expected, retryAfter] of cases) {
    it(`${label} → ${expected}`, () => {
      const out = classifyStoreError(err, { store: 'DynamoDB', what: 'test', callerValues });
      expect(out.name).toBe(expected);
      expect(out.cause).toBe(err);
      if (retryAfter !== undefined) expect((out as StoreUnavailableError).retryAfterSeconds).toBe(retryAfter);
    });
  }
});

describe('DynamoDB adapter on a mocked client', () => {
  it('resends UnprocessedItems until they are stored', async () => {
    const { mock, store } = mocked();
    const events = range(0, 10).map((n) => ev('u', n));
    let first = true;
    mock.on(BatchWriteCommand).callsFake((input) => {
      const reqs = input.RequestItems[TABLE];
      if (!first) return {};
      first = false;
      return { UnprocessedItems: { [TABLE]: reqs.slice(7) } };
    });
    const res = await store.putEvents(events);
    expect(res).toMatchObject({ stored: range(0, 10), failed: [], erased: [] });
    const calls = mock.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.RequestItems![TABLE]).toHaveLength(3);
  });

  it('items left unprocessed after every round fail, exactly those, with a retryable cause', async () => {
    const { mock, store } = mocked();
    const events = [...range(0, 30).map((n) => ev('u', n)), ev('u', 3)];
    mock.on(BatchWriteCommand).callsFake((input) => {
      const stuck = input.RequestItems[TABLE].filter((r: any) => ['E#e3', 'E#e27'].includes(r.PutRequest.Item[KEY.sk]));
      return stuck.length ? { UnprocessedItems: { [TABLE]: stuck } } : {};
    });
    const res = await store.putEvents(events);
    expect(res.failed).toEqual([3, 27, 30]);
    expect(res.stored).toEqual(range(0, 30).filter((i) => i !== 3 && i !== 27));
    expect(res.error).toBeInstanceOf(StoreUnavailableError);
    expect(mock.commandCalls(BatchWriteCommand).length).toBeLessThanOrEqual(12);
  });

  it('a throttled chunk fails its own events only, and says why', async () => {
    const { mock, store } = mocked();
    mock.on(BatchWriteCommand).callsFake((input) => {
      const chunk = input.RequestItems[TABLE];
      if (chunk.some((r: any) => r.PutRequest.Item[KEY.sk] === 'E#e30')) {
        throw sdkError('ProvisionedThroughputExceededException', 400, 'slow down');
      }
      return {};
    });
    const res = await store.putEvents(range(0, 40).map((n) => ev('u', n)));
    expect(res.stored).toEqual(range(0, 25));
    expect(res.failed).toEqual(range(25, 40));
    expect(res.error).toBeInstanceOf(StoreUnavailableError);
    expect((res.error as StoreUnavailableError).retryAfterSeconds).toBe(2);
    expect((res.error!.cause as Error).message).toBe('slow down');
  });

  it('access denied and a missing table are misconfiguration with their cause, never an outage', async () => {
    const { mock, store } = mocked();
    mock
      .on(BatchWriteCommand)
      .rejects(sdkError('AccessDeniedException', 400, 'not authorized: dynamodb:BatchWriteItem'));
    mock.on(GetCommand).rejects(sdkError('ResourceNotFoundException', 400, 'Requested resource not found'));
    mock.on(QueryCommand).rejects(sdkError('ResourceNotFoundException', 400, 'Requested resource not found'));
    const res = await store.putEvents([ev('u', 1), ev('u', 2)]);
    expect(res).toMatchObject({ stored: [], failed: [0, 1] });
    expect(res.error).toBeInstanceOf(StoreMisconfiguredError);
    expect(res.error!.message).toMatch(/AccessDeniedException.*dynamodb:BatchWriteItem/);
    await expect(store.getErasure('u')).rejects.toBeInstanceOf(StoreMisconfiguredError);
    await expect(store.listUserEvents('u', { limit: 5 })).rejects.toBeInstanceOf(StoreMisconfiguredError);
  });

  it('only a ValidationException about the start key is an invalid cursor', async () => {
    const { mock, store } = mocked();
    mock.on(GetCommand).resolves({});
    const cursor = Buffer.from(JSON.stringify({ PK: 'U#u', SK: 'E#x', LSI1SK: 'T#x' })).toString('base64url');
    mock.on(QueryCommand).rejects(sdkError('ValidationException', 400, 'The provided starting key is invalid'));
    await expect(store.listUserEvents('u', { limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    mock.on(QueryCommand).rejects(sdkError('ValidationException', 400, 'The table does not have the specified index'));
    await expect(store.listUserEvents('u', { limit: 5, cursor })).rejects.toBeInstanceOf(StoreMisconfiguredError);
  });

  it('an interrupted erasure says how far it got, and the marker was written first', async () => {
    const { mock, store } = mocked();
    mock.on(PutCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: range(0, 60).map((n) => ({ PK: 'U#u', SK: `E#e${n}` })) });
    let calls = 0;
    mock.on(BatchWriteCommand).callsFake(() => {
      if (++calls > 1) throw sdkError('ThrottlingException', 400);
      return {};
    });
    const err = await store.eraseUser('u').catch((e) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.message).toMatch(/after deleting 25 of 60 events/);
    expect(mock.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ SK: keys.erased, userId: 'u' });
  });
});

describe('training store on a mocked client', () => {
  const training = () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    return { mock: mockClient(doc), store: new DynamoTrainingStore(doc, TABLE, { segments: 2 }) };
  };

  it('a throttled scan is an outage, access denied is misconfiguration, a held lease is just "held"', async () => {
    const { mock, store } = training();
    mock.on(ScanCommand).rejects(sdkError('ProvisionedThroughputExceededException', 400));
    await expect(store.scanInteractions(() => {})).rejects.toBeInstanceOf(StoreUnavailableError);
    mock.on(PutCommand).rejects(sdkError('ConditionalCheckFailedException', 400, 'The conditional request failed'));
    expect(await store.acquireLease('train', 'me', 60)).toBe(false);
    mock.on(PutCommand).rejects(sdkError('AccessDeniedException', 400, 'not authorized'));
    await expect(store.acquireLease('train', 'me', 60)).rejects.toBeInstanceOf(StoreMisconfiguredError);
    mock.on(QueryCommand).rejects(sdkError('ResourceNotFoundException', 400));
    await expect(store.listErasures()).rejects.toBeInstanceOf(StoreMisconfiguredError);
  });

  it('pages a segmented scan to the end (paginator), every item once', async () => {
    const { mock, store } = training();
    const item = (n: number) => ({
      eventId: `e${n}`,
      userId: 'u',
      itemId: 'i',
      type: 'view',
      timestamp: n,
      receivedAt: n,
    });
    mock.on(ScanCommand).callsFake((input) => {
      const base = input.Segment * 100;
      if (!input.ExclusiveStartKey) return { Items: [item(base), item(base + 1)], LastEvaluatedKey: { k: 1 } };
      return { Items: [item(base + 2)] };
    });
    const seen: string[] = [];
    expect(await store.scanInteractions((b) => seen.push(...b.map((e) => e.eventId)))).toBe(6);
    expect(seen.sort()).toEqual(['e0', 'e1', 'e100', 'e101', 'e102', 'e2']);
  });
});

describe('S3 model store on a mocked client', () => {
  const s3 = () => {
    const client = new S3Client({ region: 'us-east-1' });
    return { mock: mockClient(client), store: new S3ModelStore(client, 'b') };
  };

  it('a 403 is misconfiguration naming the key and s3:ListBucket, never "missing"', async () => {
    const { mock, store } = s3();
    mock.on(GetObjectCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'));
    for (const read of [() => store.get('models/latest.json'), () => store.getIfChanged('models/latest.json', '"e"')]) {
      const err = await read().catch((e) => e);
      expect(err).toBeInstanceOf(StoreMisconfiguredError);
      expect(err.message).toMatch(/403 AccessDenied for models\/latest\.json.*s3:ListBucket.*docs\/deploy\.md/);
    }
    await expect(store.getChunks('models/x.bin')).rejects.toBeInstanceOf(StoreMisconfiguredError);
  });

  it('404 is missing, 503 SlowDown is retryable', async () => {
    const { mock, store } = s3();
    mock.on(GetObjectCommand).rejects(sdkError('NoSuchKey', 404));
    expect(await store.get('k')).toBeNull();
    mock.on(GetObjectCommand).rejects(sdkError('SlowDown', 503));
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('faults injected into a real dynalite round trip', () => {
  let table = 0;
  async function fresh() {
    void aws();
    const name = `faults-${++table}-${Date.now()}`;
    const client = new DynamoDBClient({});
    await client.send(new CreateTableCommand(createTableInput(name)));
    client.destroy();
    const doc = dynamoDocumentClient();
    return { name, doc, store: new DynamoInteractionStore(doc, name, { erasureSweepDelayMs: 0 }) };
  }
  /** Runs `after` once a real BatchWriteItem has been applied, before its answer reaches the store. */
  function afterBatchWrite(doc: DynamoDBDocumentClient, after: (input: any) => Promise<void>) {
    doc.middlewareStack.add(
      (next) => async (args: any) => {
        const out = await next(args);
        const first = args.input?.RequestItems ? Object.values<object>(args.input.RequestItems)[0] : undefined;
        // BatchWriteItem only (a BatchGetItem's table entry has Keys)
        if (first && !('Keys' in first)) await after(args.input);
        return out;
      },
      { step: 'initialize', name: 'injectAfterBatchWrite' },
    );
  }
  const idsIn = async (doc: DynamoDBDocumentClient, name: string, userId: string) =>
    (
      (
        await doc.send(
          new QueryCommand({
            TableName: name,
            KeyConditionExpression: 'PK = :p AND begins_with(SK, :e)',
            ExpressionAttributeValues: { ':p': keys.user(userId), ':e': 'E#' },
          }),
        )
      ).Items ?? []
    ).map((it) => String(it.eventId));

  it('values DynamoDB refuses fail only their own events, as input errors (400, not 503)', async () => {
    const { store } = await fresh();
    const events = range(0, 30).map((n) => ev('v', n));
    events[4] = ev('v', 4, { value: 1e-200 });
    events[17] = ev('v', 17, { properties: { constructor: 'x' } });
    events[22] = ev('v', 22, { value: 1e20 });
    const res = await store.putEvents(events);
    expect(res.invalid!.map((r) => r.index)).toEqual([4, 17, 22]);
    expect(res.failed).toEqual([]);
    expect(res.stored).toEqual(range(0, 30).filter((i) => ![4, 17, 22].includes(i)));
    expect(res.invalid![0].error).toMatch(/underflow/i);
    await expect(
      store.putItem({ itemId: 'x', categories: [], available: true, properties: { price: 1e300 } }),
    ).rejects.toBeInstanceOf(StoreInputError);
  });

  it('an ambiguous write (applied, answer lost) over-reports failed, never under-reports', async () => {
    const { name, doc, store } = await fresh();
    let n = 0;
    afterBatchWrite(doc, async () => {
      if (++n === 1) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    });
    const events = range(0, 50).map((k) => ev('amb', k));
    const res = await store.putEvents(events);
    const present = new Set(await idsIn(doc, name, 'amb'));
    expect(res.failed.length).toBe(25);
    expect(res.error).toBeInstanceOf(StoreUnavailableError);
    for (const i of res.stored) expect(present.has(events[i].eventId)).toBe(true);
    for (const [i, e] of events.entries()) if (!present.has(e.eventId)) expect(res.failed).toContain(i);
    expect(present.size).toBe(50);
  });

  it('an erasure landing between a write and its re-check: the write deletes itself', async () => {
    const { name, doc, store } = await fresh();
    const other = new DynamoInteractionStore(dynamoDocumentClient(), name, { erasureSweepDelayMs: 0 });
    afterBatchWrite(doc, async (input) => {
      const puts = input.RequestItems[name].filter((r: any) => r.PutRequest);
      if (puts.length) await other.eraseUser('racer').then(() => undefined);
    });
    const res = await store.putEvents([...range(0, 30).map((k) => ev('racer', k)), ev('bystander', 99)]);
    expect(res.erased).toEqual(range(0, 30));
    expect(res.stored).toEqual([30]);
    expect(await idsIn(doc, name, 'racer')).toEqual([]);
    expect(await idsIn(doc, name, 'bystander')).toEqual(['e99']);
  });
});

describe('a hung store: every call ends inside its budget', () => {
  let server: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers, like a frozen process behind a live socket.
    server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('writes and reads give StoreUnavailable (timeout), not a hang', async () => {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const doc = dynamoDocumentClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const store = new DynamoInteractionStore(doc, TABLE);
    const timed = async <T>(p: Promise<T>) => {
      const t0 = performance.now();
      const out = await p.then(
        (v) => v,
        (e) => e,
      );
      return { out, ms: performance.now() - t0 };
    };
    const [write, read, marker] = await Promise.all([
      timed(store.putEvents([ev('h', 1), ev('h', 2)])),
      timed(store.listUserEvents('h', { limit: 5 })),
      timed(store.getErasure('h')),
    ]);
    const w = write.out as Awaited<ReturnType<typeof store.putEvents>>;
    expect(w).toMatchObject({ stored: [], failed: [0, 1] });
    expect(w.error).toBeInstanceOf(StoreUnavailableError);
    expect(read.out).toBeInstanceOf(StoreUnavailableError);
    expect(marker.out).toBeInstanceOf(StoreUnavailableError);
    // The budgets are the bound; a little slack for a loaded machine's timers.
    expect(write.ms).toBeLessThan(STORE_TIMEOUTS.write.budgetMs + 2_000);
    expect(read.ms).toBeLessThan(STORE_TIMEOUTS.read.budgetMs + 2_000);
    expect(marker.ms).toBeLessThan(STORE_TIMEOUTS.read.budgetMs + 2_000);
  }, 30_000);
});
