/**
 * Where the online job keeps its state: one JSON object beside latest.json
 * (<prefix>online.json) in the model store (S3 on AWS, a folder or s3rver
 * locally), inside the prefix the functions are granted. A file, not a folder:
 * every folder under the prefix is a model version to the repository (and its pruning).
 * Train writes it; Recommend reads it for GET /metrics/online.
 */
import type { ModelStore } from '../ports/model-store';
import type { OnlineState } from './aggregate';

export const onlineStateKey = (prefix: string) => `${prefix}online.json`;

export interface OnlineStateStore {
  load(): Promise<OnlineState | null>;
  save(state: OnlineState): Promise<void>;
}

export function modelStoreState(store: Pick<ModelStore, 'get' | 'put'>, prefix: string): OnlineStateStore {
  const key = onlineStateKey(prefix);
  return {
    async load() {
      const bytes = await store.get(key);
      if (!bytes) return null;
      const state = JSON.parse(Buffer.from(bytes).toString('utf8')) as OnlineState;
      if (state.version !== 1) throw new Error(`${key}: unknown online state version ${String(state.version)}`);
      return state;
    },
    async save(state) {
      await store.put(key, Buffer.from(JSON.stringify(state), 'utf8'), 'application/json');
    },
  };
}

export function memoryState(initial: OnlineState | null = null): OnlineStateStore & { current: OnlineState | null } {
  const holder = {
    current: initial,
    async load() {
      return holder.current ? structuredClone(holder.current) : null;
    },
    async save(s: OnlineState) {
      holder.current = structuredClone(s);
    },
  };
  return holder;
}
