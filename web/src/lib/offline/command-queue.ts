// Commands made without a network (tie a Knoten, edit one, spin "Ich bin dabei", post) wait in
// IndexedDB with the id that makes them idempotent at the core (operationId / idempotencyKey),
// so sending one again after a lost answer can never make a second Knoten, thread or post.
// This file is the store and the rule for what a failed send means; sending is in
// offline-state.svelte.ts.
import { edgeErrorInfo } from '$lib/trpc';

export type QueuedProcedure = 'nodes.create' | 'nodes.update' | 'threads.spin' | 'messages.post';

export interface QueuedProblem {
  code: string;
  message: string;
  requestId: string | null;
  /** A version conflict: the Knoten as it is now (title, version). */
  current?: { id: string; title: string; version: number } | null;
}

export interface QueuedCommand {
  /** The operationId (or idempotencyKey) the command is sent with: the key of the queue, too. */
  id: string;
  procedure: QueuedProcedure;
  input: unknown;
  /** The `sub` of the person who made it: only their session sends it. */
  account: string;
  /** What the person reads in the list: the Knoten's title, the post's first words. */
  label: string;
  createdAt: number;
  state: 'waiting' | 'failed';
  problem?: QueuedProblem;
}

/** What a failed send means for the command. */
export type SendOutcome = 'later' | 'login' | 'failed';

/** No answer, or the service away: send later. Signed out: wait for a sign-in. Else the core said no. */
export function outcomeOf(error: unknown): SendOutcome {
  const info = edgeErrorInfo(error);
  if (info.network) return 'later';
  if (info.trpcCode === 'SERVICE_UNAVAILABLE' || info.trpcCode === 'TOO_MANY_REQUESTS')
    return 'later';
  if (info.httpStatus !== null && info.httpStatus >= 502 && info.httpStatus <= 504) return 'later';
  if (info.trpcCode === 'UNAUTHORIZED') return 'login';
  return 'failed';
}

/** The error as kept with a failed command (a conflict keeps the Knoten as it is now). */
export function problemOf(error: unknown): QueuedProblem {
  const info = edgeErrorInfo(error);
  const current = info.details.current as
    | { id?: unknown; title?: unknown; version?: unknown }
    | undefined;
  return {
    code: info.domainCode ?? info.trpcCode ?? 'UNKNOWN',
    message: info.message,
    requestId: info.requestId,
    current:
      current && typeof current.id === 'string' && typeof current.title === 'string'
        ? { id: current.id, title: current.title, version: Number(current.version) || 0 }
        : null,
  };
}

const DB = 'weltgewebe-offline';
const STORE = 'commands';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: 'id' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function inStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Every queued command, oldest first. */
export async function queuedCommands(): Promise<QueuedCommand[]> {
  const all = await inStore('readonly', (store) => store.getAll() as IDBRequest<QueuedCommand[]>);
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

export async function saveCommand(command: QueuedCommand): Promise<void> {
  await inStore('readwrite', (store) => store.put(plainCopy(command)));
}

export async function deleteCommand(id: string): Promise<void> {
  await inStore('readwrite', (store) => store.delete(id));
}

/** IndexedDB clones with the structured clone algorithm, which refuses Svelte's state proxies. */
function plainCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
