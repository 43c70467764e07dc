/**
 * ModelStore on S3. Conditional reads use If-None-Match so a serving instance
 * polling latest.json pays for a 304, not a body. Keys are used as given.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  paginateListObjectsV2,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StoreMisconfiguredError } from '../../ports/interactions';
import type { ConditionalGet, ModelStore } from '../../ports/model-store';
import { attemptTimeoutMs, callOptions, STORE_TIMEOUTS } from '../aws/clients';
import { classifyStoreError } from '../aws/errors';

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function isMissing(err: unknown): boolean {
  const e = err as SdkError;
  return (
    e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404
  );
}

// S3 answers a matching If-None-Match with 304; the SDK throws it (s3rver's is named "Unknown").
function isNotModified(err: unknown): boolean {
  const e = err as SdkError;
  return e?.$metadata?.httpStatusCode === 304 || e?.name === 'NotModified';
}

/**
 * Without s3:ListBucket, S3 answers a missing key with 403, not 404: never read that as
 * "missing" (the latest pointer would look absent forever) nor as an outage.
 */
function classify(err: unknown, what: string, key?: string): Error {
  if ((err as SdkError)?.$metadata?.httpStatusCode === 403 && key !== undefined) {
    return new StoreMisconfiguredError(
      `S3 answered 403 ${(err as SdkError).name ?? 'AccessDenied'} for ${key}: the function lacks s3:GetObject, or ` +
        's3:ListBucket so missing keys look like 403 — see docs/deploy.md',
      { cause: err },
    );
  }
  return classifyStoreError(err, { store: 'S3', what });
}

const READ = STORE_TIMEOUTS.s3.read;
const WRITE = STORE_TIMEOUTS.s3.write;

/** Bytes per uploaded part: S3 asks at least 5 MiB of every part but the last; one part is what a write holds. */
const PART_BYTES = 8 * 1024 * 1024;

/** S3 DeleteObjects takes at most 1,000 keys a call. */
const DELETE_BATCH = 1000;

export class S3ModelStore implements ModelStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    // A Uint8Array body (not a stream) has a known length: no aws-chunked framing.
    const put = new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType });
    try {
      await this.client.send(put, callOptions(WRITE));
    } catch (err) {
      throw classify(err, `PutObject ${key}`);
    }
  }

  /**
   * A multipart upload, one {@link PART_BYTES} part buffered at a time; an object smaller than one part is
   * one PutObject. A failure aborts the upload, so S3 keeps no parts and no object appears.
   */
  async putParts(key: string, parts: AsyncIterable<Uint8Array>, contentType = 'application/octet-stream') {
    const buf = new Uint8Array(PART_BYTES);
    let fill = 0;
    let uploadId: string | undefined;
    const done: { ETag: string; PartNumber: number }[] = [];
    const Bucket = this.bucket;
    const fail = (what: string) => (err: unknown) => {
      throw classify(err, `${what} ${key}`);
    };
    const flush = async () => {
      if (!uploadId) {
        const create = new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: contentType });
        uploadId = (await this.client.send(create, callOptions(WRITE)).catch(fail('CreateMultipartUpload'))).UploadId!;
      }
      const PartNumber = done.length + 1;
      const up = new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber, Body: buf.slice(0, fill) });
      const out = await this.client.send(up, callOptions(WRITE)).catch(fail('UploadPart'));
      done.push({ ETag: out.ETag!, PartNumber });
      fill = 0;
    };
    try {
      for await (const part of parts) {
        for (let at = 0; at < part.byteLength; ) {
          const n = Math.min(part.byteLength - at, PART_BYTES - fill);
          buf.set(part.subarray(at, at + n), fill);
          fill += n;
          at += n;
          if (fill === PART_BYTES) await flush();
        }
      }
      if (!uploadId) return await this.put(key, buf.slice(0, fill), contentType);
      if (fill > 0) await flush();
      const complete = new CompleteMultipartUploadCommand({
        Bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: done },
      });
      await this.client.send(complete, callOptions(WRITE)).catch(fail('CompleteMultipartUpload'));
    } catch (err) {
      if (uploadId) {
        const abort = new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId });
        // an upload left open costs its parts' storage until the bucket's abort-incomplete rule removes it
        await this.client.send(abort, callOptions(WRITE)).catch(() => {});
      }
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const r = await this.getIfChanged(key);
    return r.status === 'ok' ? r.body : null;
  }

  async getChunks(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    let out: GetObjectCommandOutput;
    try {
      // No overall budget: the body streams after this resolves, under the idle socket timeout.
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        requestTimeout: attemptTimeoutMs(READ),
      });
    } catch (err) {
      if (isMissing(err)) return null;
      throw classify(err, `GetObject ${key}`, key);
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

  async getRange(key: string, start: number, end: number): Promise<Uint8Array | null> {
    if (!(end > start && start >= 0)) return new Uint8Array(0);
    try {
      const get = new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` });
      const out = await this.client.send(get, callOptions(READ));
      if (!out.Body) return null;
      const body = await out.Body.transformToByteArray();
      // A server may answer more than asked (s3rver sends the whole object for "bytes=0-0"):
      // take the asked bytes from where the answer says it starts.
      if (body.byteLength <= end - start) return body;
      const from = Number(/bytes (\d+)-/.exec(out.ContentRange ?? '')?.[1] ?? 0);
      return body.slice(start - from, end - from);
    } catch (err) {
      if (isMissing(err)) return null;
      throw classify(err, `GetObject ${key} (range)`, key);
    }
  }

  async getIfChanged(key: string, etag?: string): Promise<ConditionalGet> {
    try {
      const get = new GetObjectCommand({ Bucket: this.bucket, Key: key, IfNoneMatch: etag });
      const out = await this.client.send(get, { requestTimeout: attemptTimeoutMs(READ) });
      if (!out.Body) return { status: 'missing' };
      const body = await out.Body.transformToByteArray();
      return { status: 'ok', body, etag: out.ETag ?? '' };
    } catch (err) {
      if (etag !== undefined && isNotModified(err)) return { status: 'unchanged' };
      if (isMissing(err)) return { status: 'missing' };
      throw classify(err, `GetObject ${key}`, key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    try {
      const opts = callOptions(READ);
      for await (const page of paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.bucket, Prefix: prefix },
        opts,
      )) {
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      }
    } catch (err) {
      throw classify(err, `ListObjectsV2 ${prefix}`);
    }
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const command = new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      });
      const out = await this.client.send(command, callOptions(WRITE)).catch((err) => {
        throw classify(err, `DeleteObjects of ${batch.length} keys`);
      });
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length)
        throw new Error(`S3 delete failed for ${failed.length} keys, first ${failed[0].Key}: ${failed[0].Code}`);
    }
  }
}
