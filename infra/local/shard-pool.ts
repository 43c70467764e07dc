/**
 * Worker threads for the local state machine's map children: each thread
 * loads the shard function's real handler, so the shards of one map solve on
 * every core, as they run in separate Lambdas on AWS. Results do not depend on
 * the thread count: a shard is a pure function of files written before it.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FUNCTIONS, type FunctionName } from '../../shared/topology';
import { REPO_ROOT } from './functions';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export interface HandlerPool {
  invoke(event: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
  readonly threads: number;
}

/** `threads` workers running `fn`'s handler; events queue for the next free one. */
export function handlerPool(fn: FunctionName, threads = Math.max(1, availableParallelism())): HandlerPool {
  const workerData = {
    handlerUrl: pathToFileURL(resolve(REPO_ROOT, FUNCTIONS[fn].entry)).href,
    functionName: fn,
    timeoutMs: FUNCTIONS[fn].timeoutSeconds * 1000,
  };
  const pending = new Map<number, Pending>();
  const queue: { id: number; event: unknown }[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, number>();
  let alive = threads;
  let next = 0;
  const dispatch = () => {
    while (idle.length && queue.length) {
      const w = idle.pop()!;
      const job = queue.shift()!;
      busy.set(w, job.id);
      w.postMessage(job);
    }
  };
  const settle = (id: number, error?: Error, result?: unknown) => {
    const p = pending.get(id);
    pending.delete(id);
    if (error) p?.reject(error);
    else p?.resolve(result);
  };
  const workers = Array.from({ length: threads }, () => {
    const w = new Worker(new URL('./shard-worker.mjs', import.meta.url), { workerData });
    w.on('message', (m: { ready?: true; id?: number; result?: unknown; error?: { name: string; message: string } }) => {
      if (m.id !== undefined) {
        busy.delete(w);
        settle(m.id, m.error && Object.assign(new Error(m.error.message), { name: m.error.name }), m.result);
      }
      idle.push(w);
      dispatch();
    });
    // a thread that dies fails what it held (the state machine's Retry decides what happens next);
    // with no thread left, everything queued fails too
    w.on('error', (err) => {
      const id = busy.get(w);
      busy.delete(w);
      if (id !== undefined) settle(id, err);
      if (--alive === 0) for (const job of queue.splice(0)) settle(job.id, err);
    });
    return w;
  });
  return {
    threads,
    invoke(event) {
      const id = next++;
      return new Promise((res, rej) => {
        pending.set(id, { resolve: res, reject: rej });
        queue.push({ id, event });
        dispatch();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
