/**
 * Where the event queue persists what it has not sent yet. The interface is
 * React Native's AsyncStorage (`getItem`/`setItem`/`removeItem`, promises), so
 * AsyncStorage itself is an adapter; synchronous stores (localStorage) fit too.
 */
export interface StorageAdapter {
  getItem(key: string): Promise<string | null> | string | null;
  setItem(key: string, value: string): Promise<void> | void;
  removeItem(key: string): Promise<void> | void;
}

/** Keeps the queue in memory only: nothing survives a restart (tests, server-side use). */
export function memoryStorage(): StorageAdapter & { readonly data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

/** The slice of the Web Storage API the adapter uses. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Browser `localStorage` (or any Web Storage); throws at use when none is given or present. */
export function localStorageAdapter(storage?: WebStorageLike): StorageAdapter {
  const get = (): WebStorageLike => {
    const s = storage ?? (globalThis as { localStorage?: WebStorageLike }).localStorage;
    if (!s) throw new Error('localStorage is not available here; pass a storage adapter');
    return s;
  };
  return {
    getItem: (k) => get().getItem(k),
    setItem: (k, v) => get().setItem(k, v),
    removeItem: (k) => get().removeItem(k),
  };
}

/** React Native: `asyncStorageAdapter(AsyncStorage)` from @react-native-async-storage/async-storage. */
export function asyncStorageAdapter(asyncStorage: StorageAdapter): StorageAdapter {
  return {
    getItem: (k) => asyncStorage.getItem(k),
    setItem: (k, v) => asyncStorage.setItem(k, v),
    removeItem: (k) => asyncStorage.removeItem(k),
  };
}
