// The schedule of the unread count on a hand-driven clock: what a person would notice is how
// soon a new notification shows, and that a hidden tab or a signed-out session stops asking.
import { describe, expect, test } from 'bun:test';
import type { LiveItem } from '$lib/trpc';
import { POLL_MS, RECHECK_AFTER_MS, UnreadWatch, type UnreadWatchDeps } from './unread-watch';

const ME = 'acc-me';
const OTHER = 'acc-other';
const MY_NODE = 'node-mine';
const THEIR_NODE = 'node-theirs';

/** Timers that run only when the test moves the clock. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; run: () => void }>();
  return {
    setTimeout: (run: () => void, ms: number) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, run });
      return id;
    },
    clearTimeout: (handle: unknown) => {
      timers.delete(handle as number);
    },
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        await settle();
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= end)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
      }
      now = end;
      await settle();
    },
    pending: () => timers.size,
  };
}

/** Lets every promise the watcher started finish. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(overrides: Partial<UnreadWatchDeps> = {}) {
  const clock = fakeClock();
  const state = { count: 3, visible: true, asked: 0, creatorReads: 0, shown: [] as number[] };
  const watch = new UnreadWatch({
    fetchUnread: async () => {
      state.asked++;
      return state.count;
    },
    myAccountId: async () => ME,
    nodeCreator: async (id) => {
      state.creatorReads++;
      return id === MY_NODE ? ME : OTHER;
    },
    isVisible: () => state.visible,
    onCount: (count) => state.shown.push(count),
    isSignedOut: (error) => error instanceof Error && error.message === 'UNAUTHORIZED',
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    ...overrides,
  });
  return { clock, state, watch };
}

const message = (nodeId: string, authorId: string) =>
  ({
    type: 'message.posted',
    eventId: crypto.randomUUID(),
    occurredAt: new Date().toISOString(),
    message: {
      id: crypto.randomUUID(),
      nodeId,
      authorId,
      authorName: 'Jemand',
      body: 'Hallo',
      createdAt: new Date().toISOString(),
    },
    at: { lat: 53.5, lon: 10 },
  }) as LiveItem;

const joined = (nodeId: string, accountId: string) =>
  ({
    type: 'thread.spun',
    eventId: crypto.randomUUID(),
    occurredAt: new Date().toISOString(),
    thread: {
      id: crypto.randomUUID(),
      nodeId,
      accountId,
      kind: 'participation',
      expiresAt: null,
      from: null,
      to: { lat: 53.5, lon: 10 },
    },
  }) as LiveItem;

describe('UnreadWatch', () => {
  test('asks at the start and every minute while the tab is visible', async () => {
    const { clock, state, watch } = setup();
    watch.start();
    await clock.advance(0);
    expect(state.shown).toEqual([3]);
    state.count = 4;
    await clock.advance(POLL_MS - 1);
    expect(state.asked).toBe(1);
    await clock.advance(1);
    expect(state.shown).toEqual([3, 4]);
    watch.stop();
  });

  test('a hidden tab does not ask; becoming visible asks at once', async () => {
    const { clock, state, watch } = setup();
    watch.start();
    await clock.advance(0);
    state.visible = false;
    await clock.advance(POLL_MS * 5);
    expect(state.asked).toBe(1);
    state.visible = true;
    state.count = 7;
    watch.visible();
    await clock.advance(0);
    expect(state.shown).toEqual([3, 7]);
    // And the minute starts again from there.
    await clock.advance(POLL_MS);
    expect(state.asked).toBe(3);
    watch.stop();
  });

  test('a message by someone else on an own node: the count is asked again within a second, and a few times after', async () => {
    const { clock, state, watch } = setup();
    watch.start();
    await clock.advance(0);
    await watch.live(message(MY_NODE, OTHER));
    // The notifier has not written the row yet at the first look.
    await clock.advance(RECHECK_AFTER_MS[0]);
    expect(state.asked).toBe(2);
    state.count = 4;
    await clock.advance(RECHECK_AFTER_MS[1] - RECHECK_AFTER_MS[0]);
    expect(state.shown.at(-1)).toBe(4);
    await clock.advance(RECHECK_AFTER_MS[2] - RECHECK_AFTER_MS[1]);
    expect(state.asked).toBe(1 + RECHECK_AFTER_MS.length);
    watch.stop();
  });

  test('someone joining an own node counts too; the creator is read once per node', async () => {
    const { clock, state, watch } = setup();
    watch.start();
    await clock.advance(0);
    await watch.live(joined(MY_NODE, OTHER));
    await watch.live(message(MY_NODE, OTHER));
    expect(state.creatorReads).toBe(1);
    // The second change restarted the looks instead of adding a second series.
    await clock.advance(RECHECK_AFTER_MS.at(-1)!);
    expect(state.asked).toBe(1 + RECHECK_AFTER_MS.length);
    watch.stop();
  });

  test('own doings and changes on nodes of others do not ask', async () => {
    const { clock, state, watch } = setup();
    watch.start();
    await clock.advance(0);
    await watch.live(message(MY_NODE, ME));
    await watch.live(message(THEIR_NODE, OTHER));
    await watch.live(joined(THEIR_NODE, OTHER));
    await watch.live({ type: 'subscribed', at: new Date().toISOString() } as LiveItem);
    await clock.advance(POLL_MS - 1);
    expect(state.asked).toBe(1);
    expect(state.creatorReads).toBe(1);
    watch.stop();
  });

  test('when the creator cannot be read, it looks anyway', async () => {
    const { clock, state, watch } = setup({
      nodeCreator: () => Promise.reject(new Error('offline')),
    });
    watch.start();
    await clock.advance(0);
    await watch.live(message(MY_NODE, OTHER));
    await clock.advance(RECHECK_AFTER_MS.at(-1)!);
    expect(state.asked).toBe(1 + RECHECK_AFTER_MS.length);
    watch.stop();
  });

  test('a session that is over stops the asking until the tab is visible again', async () => {
    let signedIn = false;
    const { clock, state, watch } = setup({
      fetchUnread: async () => {
        state.asked++;
        if (!signedIn) throw new Error('UNAUTHORIZED');
        return 2;
      },
    });
    watch.start();
    await clock.advance(0);
    await watch.live(message(MY_NODE, OTHER));
    await clock.advance(POLL_MS * 3);
    expect(state.asked).toBe(1);
    expect(clock.pending()).toBe(0);
    signedIn = true;
    watch.visible();
    await clock.advance(0);
    expect(state.shown).toEqual([2]);
    watch.stop();
  });

  test('a failed look (offline) keeps the minute going', async () => {
    let fail = true;
    const { clock, state, watch } = setup({
      fetchUnread: async () => {
        state.asked++;
        if (fail) throw new Error('network');
        return 5;
      },
    });
    watch.start();
    await clock.advance(0);
    fail = false;
    await clock.advance(POLL_MS);
    expect(state.shown).toEqual([5]);
    watch.stop();
  });

  test('one request at a time; a look asked for meanwhile follows once', async () => {
    let release: () => void = () => {};
    const { clock, state, watch } = setup({
      fetchUnread: () =>
        new Promise<number>((resolve) => {
          state.asked++;
          release = () => resolve(state.count);
        }),
    });
    watch.start();
    void watch.refresh();
    void watch.refresh();
    await settle();
    expect(state.asked).toBe(1);
    release();
    await settle();
    expect(state.asked).toBe(2);
    release();
    await clock.advance(0);
    expect(state.asked).toBe(2);
    watch.stop();
  });

  test('after stop nothing is asked or shown', async () => {
    const { clock, state, watch } = setup();
    watch.start();
    watch.stop();
    await clock.advance(POLL_MS * 2);
    await watch.live(message(MY_NODE, OTHER));
    await clock.advance(RECHECK_AFTER_MS.at(-1)!);
    expect(state.shown).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});
