/**
 * The model store port: moves bytes, knows nothing of models. The codec and
 * publisher (shared/model) decide what the bytes mean. Implemented by S3 and
 * by a local folder; one contract suite runs against both.
 * Keys are '/'-separated paths relative to the store root (e.g. "models/latest.json").
 */

export type ConditionalGet =
  | { status: 'ok'; body: Uint8Array; etag: string }
  | { status: 'unchanged' }
  | { status: 'missing' };

export interface ModelStore {
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** The object's bytes, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Conditional read: 'unchanged' when the object's ETag still equals `etag`. */
  getIfChanged(key: string, etag?: string): Promise<ConditionalGet>;
  /**
   * The object's bytes as chunks in order, or null when it does not exist.
   * Optional: lets a reader hash and place bytes while they arrive instead of
   * after the whole body is buffered (model loading). Ending the iteration
   * early must release the underlying stream.
   */
  getChunks?(key: string): Promise<AsyncIterable<Uint8Array> | null>;
  /**
   * Bytes [start, end) of an object (end exclusive, within its length), or null when it
   * does not exist. Serving reads one bucket of user histories this way (one ranged GET).
   */
  getRange(key: string, start: number, end: number): Promise<Uint8Array | null>;
  /**
   * Writes the concatenation of `parts` as one object, never holding it whole (S3: a multipart upload;
   * a folder: a temp file renamed into place). All or nothing: when the parts fail or the write does, no
   * object (or the previous one) stays under the key. Optional: without it, callers join the parts and put.
   */
  putParts?(key: string, parts: AsyncIterable<Uint8Array>, contentType?: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(keys: string[]): Promise<void>;
}
