/**
 * ModelStore on S3. Conditional reads use If-None-Match so a serving instance
 * polling latest.json pays for a 304, not a body. Keys are used as given.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ConditionalGet, ModelStore } from '../../ports/model-store';

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function isMissing(err: unknown): boolean {
  const e = err as SdkError;
  return e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

// S3 answers a matching If-None-Match with 304; the SDK throws it (s3rver's is named "Unknown").
function isNotModified(err: unknown): boolean {
  const e = err as SdkError;
  return e?.$metadata?.httpStatusCode === 304 || e?.name === 'NotModified';
}

/** S3 DeleteObjects takes at most 1,000 keys a call. */
const DELETE_BATCH = 1000;

export class S3ModelStore implements ModelStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    // A Uint8Array body (not a stream) has a known length: no aws-chunked framing.
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Uint8Array | null> {
    const r = await this.getIfChanged(key);
    return r.status === 'ok' ? r.body : null;
  }

  async getChunks(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    const body = out.Body;
    if (!body) return null;
    // In Node the body is the HTTP response (a Readable, async-iterable chunk by chunk);
    // other runtimes get one buffered chunk.
    if (Symbol.asyncIterator in body) return body as AsyncIterable<Uint8Array>;
    return (async function* () {
      yield await body.transformToByteArray();
    })();
  }

  async getIfChanged(key: string, etag?: string): Promise<ConditionalGet> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, IfNoneMatch: etag }));
      if (!out.Body) return { status: 'missing' };
      const body = await out.Body.transformToByteArray();
      return { status: 'ok', body, etag: out.ETag ?? '' };
    } catch (err) {
      if (etag !== undefined && isNotModified(err)) return { status: 'unchanged' };
      if (isMissing(err)) return { status: 'missing' };
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) throw new Error(`S3 delete failed for ${failed.length} keys, first ${failed[0].Key}: ${failed[0].Code}`);
    }
  }
}
