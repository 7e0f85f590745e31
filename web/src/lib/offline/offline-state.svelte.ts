// Whether the page has a network, the commands waiting for it, and their sending: at start,
// when the browser is back online, and every 20 s while something waits and the browser thinks
// it is online (the edge was away). One tab sends at a time (Web Locks); the core's idempotency
// makes even a double send harmless. What is kept for offline use is asked of the service worker.
import { type CreateNodeInput, edgeErrorInfo, trpc, type UpdateNodeInput } from '$lib/trpc';
import { withSessionRenewal } from '$lib/ui/describe-error';
import {
  deleteCommand,
  outcomeOf,
  problemOf,
  type QueuedCommand,
  queuedCommands,
  saveCommand,
} from './command-queue';

type SpinInput = Parameters<typeof trpc.threads.spin.mutate>[0];
type PostInput = Parameters<typeof trpc.messages.post.mutate>[0];

export const offline = $state({
  online: true,
  commands: [] as QueuedCommand[],
  sending: false,
  /** A send was refused for want of a session: signing in again sends the rest. */
  needsLogin: false,
});

export interface SentCommand {
  command: QueuedCommand;
  result: unknown;
}

let account: string | null = null;
const listeners = new Set<(sent: SentCommand[]) => void>();

/** Called with what was sent, after each round that sent anything. */
export function onSent(listener: (sent: SentCommand[]) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** True when a call got no answer at all: the command is worth keeping for later. */
export function unanswered(error: unknown): boolean {
  return edgeErrorInfo(error).network || outcomeOf(error) === 'later' || !navigator.onLine;
}

async function reload(): Promise<void> {
  offline.commands = await queuedCommands().catch(() => []);
}

/** Starts watching the network for the signed-in person (`sub`), or for nobody. */
export function startOffline(sub: string | null): () => void {
  account = sub;
  offline.online = navigator.onLine;
  const update = () => {
    offline.online = navigator.onLine;
    if (offline.online) void flush();
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  const timer = setInterval(() => {
    if (navigator.onLine && mine().some((c) => c.state === 'waiting')) void flush();
  }, 20_000);
  void reload().then(() => {
    if (navigator.onLine) void flush();
  });
  return () => {
    clearInterval(timer);
    window.removeEventListener('online', update);
    window.removeEventListener('offline', update);
  };
}

/** The commands of the person signed in now. */
export function mine(): QueuedCommand[] {
  return offline.commands.filter((c) => c.account === account);
}

/** Keeps a command for later; it is sent as soon as there is a network. */
export async function enqueue(
  command: Pick<QueuedCommand, 'id' | 'procedure' | 'input' | 'label'>,
): Promise<void> {
  if (!account) throw new Error('Nur angemeldet kann etwas für später gespeichert werden.');
  await saveCommand({ ...command, account, createdAt: Date.now(), state: 'waiting' });
  await reload();
}

export async function discard(id: string): Promise<void> {
  await deleteCommand(id);
  await reload();
}

function send(command: QueuedCommand): Promise<unknown> {
  switch (command.procedure) {
    case 'nodes.create':
      return trpc.nodes.create.mutate(command.input as CreateNodeInput);
    case 'nodes.update':
      return trpc.nodes.update.mutate(command.input as UpdateNodeInput);
    case 'threads.spin':
      return trpc.threads.spin.mutate(command.input as SpinInput);
    case 'messages.post':
      return trpc.messages.post.mutate(command.input as PostInput);
  }
}

let flushing: Promise<void> | null = null;

/** Sends every waiting command of this person, oldest first; stops at the first without answer. */
export function flush(): Promise<void> {
  flushing ??= (async () => {
    try {
      if (navigator.locks) await navigator.locks.request('weltgewebe-offline-queue', sendWaiting);
      else await sendWaiting();
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

async function sendWaiting(): Promise<void> {
  if (!account) return;
  const sent: SentCommand[] = [];
  offline.sending = true;
  try {
    // Read again inside the lock: another tab may have sent some meanwhile.
    for (const command of await queuedCommands()) {
      if (command.account !== account || command.state !== 'waiting') continue;
      try {
        const result = await withSessionRenewal(() => send(command));
        await deleteCommand(command.id);
        sent.push({ command, result });
        offline.needsLogin = false;
      } catch (error) {
        const outcome = outcomeOf(error);
        if (outcome === 'later') break;
        if (outcome === 'login') {
          offline.needsLogin = true;
          break;
        }
        await saveCommand({ ...command, state: 'failed', problem: problemOf(error) });
      }
    }
  } finally {
    offline.sending = false;
    await reload();
    if (sent.length > 0) for (const listener of listeners) listener(sent);
  }
}

async function askWorker<T>(message: { type: string }): Promise<T | null> {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return null;
  return await new Promise<T | null>((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), 5_000);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data as T);
    };
    worker.postMessage(message, [channel.port2]);
  });
}

/** How much of the visited map and its reads is kept for offline use. */
export function keptUsage(): Promise<{ entries: number; bytes: number } | null> {
  return askWorker({ type: 'usage' });
}

/** Drops the kept map, reads and offline page (not the waiting commands). */
export async function clearKept(): Promise<void> {
  await askWorker({ type: 'clear' });
}
