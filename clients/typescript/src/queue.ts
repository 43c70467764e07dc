/**
 * The event queue an app tracks through: `track()` returns at once, events are
 * persisted through a storage adapter and sent in batches of at most 100 on
 * size, on an interval and when the app goes to the background. Every event
 * gets a UUIDv7 when tracked, so a resent event rewrites its own record on the
 * server (the key is user + eventId) instead of adding one: retries are safe.
 *
 * Delivery: a 503 (or 500) names exactly which events were stored and which failed; only
 * the failed ones stay queued. A batch counts as stored only on the API's own 2xx answer
 * (`accepted`, `rejected`): an empty 200 from a proxy keeps it. Any other failure (network, 5xx, 401/403, 429)
 * keeps the whole batch and retries with exponential backoff and jitter, never
 * sooner than Retry-After. Events are dropped only when the API rejected them
 * as invalid (reported to onInvalid) or by the bounds below (reported to onDrop).
 */
import { v7 as uuidv7 } from 'uuid';
import type { paths } from './schema';
import { memoryStorage, type StorageAdapter } from './storage';
import { acceptedAnswer, failedIndexes, isObject, messageOf, rejectedOf, type Rejected } from './answers';

type PostEvents = paths['/events']['post'];
/** One event as the API takes it. */
export type EventInput = PostEvents['requestBody']['content']['application/json']['events'][number];
/** An event as queued: it always has its id and the time it happened. */
export type QueuedEvent = EventInput & { eventId: string; timestamp: string | number };

/** What a POST /events answered; `body` is the parsed JSON (undefined when none). */
export interface SendResult {
  status: number;
  body?: unknown;
  /** Seconds from the Retry-After header, when present. */
  retryAfter?: number;
}
export type SendEvents = (events: QueuedEvent[]) => Promise<SendResult>;

export type DropReason = 'overflow' | 'storage_full';

export interface EventQueueOptions {
  send: SendEvents;
  /** Default: memory (nothing survives a restart). */
  storage?: StorageAdapter;
  storageKey?: string;
  /** Events per request, 1..100 (default 100); a full batch is sent at once. */
  batchSize?: number;
  /** Sends whatever is queued this often (default 10 s; 0 = only on size, background and flush()). */
  flushIntervalMs?: number;
  /** Most events kept; tracking more drops the oldest (default 10,000). */
  maxEvents?: number;
  /** Largest persisted queue in characters (JSON); the oldest events go first beyond it (default 2,000,000). */
  maxStorageChars?: number;
  /** First retry delay (default 1 s), doubled per failure up to maxBackoffMs (default 60 s), with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Flush when a browser page is hidden (visibilitychange / pagehide). Default true where `document` exists. */
  flushOnHidden?: boolean;
  /** Events the API rejected as invalid: dropped, never retried. */
  onInvalid?: (rejected: { event: QueuedEvent; error: string }[]) => void;
  /** Events dropped by the bounds (oldest first). */
  onDrop?: (events: QueuedEvent[], reason: DropReason) => void;
  /** A failed send (kept for retry) or a storage error. */
  onError?: (error: { kind: 'send' | 'storage'; status?: number; message: string; retryInMs?: number }) => void;
  /** Event ids (default UUIDv7; React Native needs a crypto.getRandomValues polyfill for it). */
  newId?: () => string;
}

export interface FlushResult {
  /** Events the API stored during this flush. */
  stored: number;
  /** Events still queued afterwards. */
  remaining: number;
}

const MAX_BATCH = 100;

export class EventQueue {
  /** Resolves once persisted events of an earlier run are back in the queue. */
  readonly ready: Promise<void>;
  private queue: QueuedEvent[] = [];
  private readonly o: Required<Omit<EventQueueOptions, 'onInvalid' | 'onDrop' | 'onError'>> &
    Pick<EventQueueOptions, 'onInvalid' | 'onDrop' | 'onError'>;
  private inflight: Promise<FlushResult> | null = null;
  /** Events per request right now: halved when the API refuses a batch as too large. */
  private sendLimit: number;
  private failures = 0;
  private retryAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private interval: ReturnType<typeof setInterval> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;
  private waiters: (() => void)[] = [];
  private readonly detach: (() => void)[] = [];

  constructor(opts: EventQueueOptions) {
    this.o = {
      storage: memoryStorage(),
      storageKey: 'attune.events',
      batchSize: MAX_BATCH,
      flushIntervalMs: 10_000,
      maxEvents: 10_000,
      maxStorageChars: 2_000_000,
      initialBackoffMs: 1_000,
      maxBackoffMs: 60_000,
      flushOnHidden: true,
      newId: uuidv7,
      ...opts,
    };
    if (!(this.o.batchSize >= 1 && this.o.batchSize <= MAX_BATCH))
      throw new RangeError(`batchSize must be 1..${MAX_BATCH}`);
    this.sendLimit = this.o.batchSize;
    this.ready = this.restore();
    if (this.o.flushIntervalMs > 0) {
      this.interval = setInterval(() => void this.flush(), this.o.flushIntervalMs);
      (this.interval as { unref?: () => void }).unref?.();
    }
    if (this.o.flushOnHidden) this.watchPage();
  }

  /** Queues an event and returns its id at once; a full batch starts a send. */
  track(event: EventInput): string {
    if (this.closed) throw new Error('the event queue is closed');
    const queued: QueuedEvent = {
      ...event,
      eventId: event.eventId ?? this.o.newId(),
      // the time it happened, not the time a retry finally gets it through
      timestamp: event.timestamp ?? new Date().toISOString(),
    };
    this.queue.push(queued);
    if (this.queue.length > this.o.maxEvents) this.drop(this.queue.length - this.o.maxEvents, 'overflow');
    this.persist();
    if (this.queue.length >= this.sendLimit && Date.now() >= this.retryAt) void this.flush();
    return queued.eventId;
  }

  /** Events waiting to be sent (oldest first). */
  get size(): number {
    return this.queue.length;
  }

  pending(): readonly QueuedEvent[] {
    return this.queue.slice();
  }

  /**
   * Sends everything queued, batch by batch, until the queue is empty or a
   * send fails (then a retry is scheduled). During a backoff it sends nothing.
   */
  flush(): Promise<FlushResult> {
    this.inflight ??= this.drain().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** The app is going to the background (React Native AppState, or your own hook): send now and persist. */
  async background(): Promise<FlushResult> {
    const r = await this.flush();
    await this.persisted();
    return r;
  }

  /** Resolves when the queue is empty (everything sent or dropped). */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when the last change is in storage. */
  async persisted(): Promise<void> {
    while (this.dirty) await this.writing;
    await this.writing;
  }

  /** Stops timers and listeners; queued events stay in storage for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.interval);
    clearTimeout(this.retryTimer);
    for (const d of this.detach) d();
    await this.inflight;
    await this.persisted();
  }

  private async restore(): Promise<void> {
    try {
      const raw = await this.o.storage.getItem(this.o.storageKey);
      const stored = raw ? (JSON.parse(raw) as QueuedEvent[]) : [];
      if (!Array.isArray(stored) || stored.length === 0) return;
      const have = new Set(this.queue.map((e) => e.eventId));
      // earlier runs' events first: the order they happened in
      this.queue = stored
        .filter((e) => isObject(e) && typeof e.eventId === 'string' && !have.has(e.eventId))
        .concat(this.queue);
      if (this.queue.length > this.o.maxEvents) this.drop(this.queue.length - this.o.maxEvents, 'overflow');
      this.persist();
    } catch (err) {
      this.o.onError?.({ kind: 'storage', message: `could not restore queued events: ${(err as Error).message}` });
    }
  }

  private async drain(): Promise<FlushResult> {
    await this.ready;
    let stored = 0;
    while (this.queue.length > 0 && !this.closed && Date.now() >= this.retryAt) {
      const batch = this.queue.slice(0, this.sendLimit);
      const outcome = await this.sendBatch(batch);
      stored += outcome.stored;
      if (!outcome.ok) break;
    }
    return { stored, remaining: this.queue.length };
  }

  /** Sends one batch; removes what the API stored or rejected; false when the rest must wait. */
  private async sendBatch(batch: QueuedEvent[]): Promise<{ ok: boolean; stored: number }> {
    let res: SendResult;
    try {
      res = await this.o.send(batch);
    } catch (err) {
      this.backoff(undefined, undefined, (err as Error).message);
      return { ok: false, stored: 0 };
    }
    const { status, body } = res;
    if (status >= 200 && status < 300) {
      const rejected = acceptedAnswer(body, batch.length);
      if (!rejected) {
        this.backoff(status, res.retryAfter, `HTTP ${status} without the API's answer: events kept for a resend`);
        return { ok: false, stored: 0 };
      }
      this.settle(batch, batch, rejected);
      this.failures = 0;
      this.sendLimit = Math.min(this.o.batchSize, this.sendLimit * 2);
      return { ok: true, stored: batch.length - rejected.length };
    }
    const failedAt = status >= 500 ? failedIndexes(body, batch.length) : null;
    if (failedAt) {
      // exactly what was stored is known: keep only the failed ones
      const failed = new Set(failedAt);
      const done = batch.filter((_, i) => !failed.has(i));
      const rejected = rejectedOf(body);
      this.settle(batch, done, rejected);
      this.backoff(status, res.retryAfter, messageOf(body, status));
      return { ok: false, stored: done.length - rejected.length };
    }
    if (status === 400 && rejectedOf(body).length === batch.length) {
      this.settle(batch, batch, rejectedOf(body));
      return { ok: true, stored: 0 };
    }
    if (status === 400 || status === 413) {
      if (batch.length > 1) {
        // the envelope was refused (too large): the same events in smaller requests
        this.sendLimit = Math.max(1, Math.floor(batch.length / 2));
        return { ok: true, stored: 0 };
      }
      this.settle(batch, batch, [{ index: 0, error: messageOf(body, status) }]);
      return { ok: true, stored: 0 };
    }
    this.backoff(status, res.retryAfter, messageOf(body, status));
    return { ok: false, stored: 0 };
  }

  /** Removes `done` (sent and answered) from the queue, reporting the rejected ones. */
  private settle(batch: QueuedEvent[], done: QueuedEvent[], rejected: Rejected[]): void {
    const ids = new Set(done.map((e) => e.eventId));
    this.queue = this.queue.filter((e) => !ids.has(e.eventId));
    const invalid = rejected.filter((r) => batch[r.index]).map((r) => ({ event: batch[r.index], error: r.error }));
    if (invalid.length) this.o.onInvalid?.(invalid);
    this.persist();
    this.wake();
  }

  private backoff(status: number | undefined, retryAfterSeconds: number | undefined, message: string): void {
    this.failures++;
    const exp = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** (this.failures - 1));
    // equal jitter: clients that failed together do not come back together
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const delay = Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
    this.retryAt = Date.now() + delay;
    this.o.onError?.({ kind: 'send', status, message, retryInMs: Math.round(delay) });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryAt = 0;
      void this.flush();
    }, delay);
  }

  private drop(count: number, reason: DropReason): void {
    const dropped = this.queue.splice(0, count);
    if (dropped.length) this.o.onDrop?.(dropped, reason);
    this.wake();
  }

  private wake(): void {
    if (this.queue.length > 0) return;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Coalesces changes into one write, in order; bounds the stored size by dropping the oldest. */
  private persist(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      await Promise.resolve();
      this.dirty = false;
      let json = JSON.stringify(this.queue);
      if (json.length > this.o.maxStorageChars) {
        let over = json.length - this.o.maxStorageChars;
        let n = 0;
        while (n < this.queue.length && over > 0) over -= JSON.stringify(this.queue[n++]).length + 1;
        this.drop(n, 'storage_full');
        json = JSON.stringify(this.queue);
      }
      try {
        if (this.queue.length === 0) await this.o.storage.removeItem(this.o.storageKey);
        else await this.o.storage.setItem(this.o.storageKey, json);
      } catch (err) {
        this.o.onError?.({ kind: 'storage', message: `could not persist queued events: ${(err as Error).message}` });
      }
    });
  }

  private watchPage(): void {
    type Listen = (name: string, fn: () => void) => void;
    const g = globalThis as {
      document?: { visibilityState?: string; addEventListener?: Listen; removeEventListener?: Listen };
      addEventListener?: Listen;
      removeEventListener?: Listen;
    };
    const doc = g.document;
    const win = g;
    if (!doc?.addEventListener) return;
    const onVisibility = () => {
      if (doc.visibilityState === 'hidden') void this.background();
    };
    const onHide = () => void this.background();
    doc.addEventListener('visibilitychange', onVisibility);
    win.addEventListener?.('pagehide', onHide);
    this.detach.push(() => {
      doc.removeEventListener?.('visibilitychange', onVisibility);
      win.removeEventListener?.('pagehide', onHide);
    });
  }
}
