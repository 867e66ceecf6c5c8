// The autotuner's cache in the browser: one IndexedDB record per adapter key (database 'spineseg',
// store 'tune'); the same TuneCache the Node file holds.
import { validateTuneCache, type TuneCache, type TuneStore } from '../kernels/autotune.ts';

const DB = 'spineseg';
const STORE = 'tune';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
  });
}

function request<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(req.result);
        };
        tx.onerror = () => {
          db.close();
          reject(tx.error ?? new Error('IndexedDB transaction failed'));
        };
      }),
  );
}

export const browserTuneStore: TuneStore = {
  where: (key) => `IndexedDB ${DB}/${STORE}/${key}`,
  async load(key) {
    const v = await request('readonly', (s) => s.get(key));
    return v === undefined ? null : validateTuneCache(v, `IndexedDB ${DB}/${STORE}/${key}`);
  },
  async save(key, cache: TuneCache) {
    await request('readwrite', (s) => s.put(cache, key));
  },
  async remove(key) {
    await request('readwrite', (s) => s.delete(key));
  },
};
