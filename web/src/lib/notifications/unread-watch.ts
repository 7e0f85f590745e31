// When the map page asks again for the signed-in person's unread notification count: at the
// start, when the tab becomes visible (or the device comes back online), every minute while it
// is visible, and shortly after a live change by someone else on one of the person's own nodes.
// The notifier worker writes the notification just after the event the live feed carries, so
// that last case asks a few times over some seconds. Pure: the calls, the clock and the tab's
// visibility are handed in, so the schedule is tested without a browser.
import type { LiveItem } from '$lib/trpc';

export const POLL_MS = 60_000;
/** After a change on an own node, measured from the change. */
export const RECHECK_AFTER_MS = [800, 2_500, 6_000] as const;
const CREATORS_REMEMBERED = 500;

export interface UnreadWatchDeps {
  /** The unread count from the edge (notifications.list). */
  fetchUnread(): Promise<number>;
  /** The own account's id (accounts.me); null when it could not be read. */
  myAccountId(): Promise<string | null>;
  /** The account that created a node (nodes.byId); rejects when the node cannot be read. */
  nodeCreator(nodeId: string): Promise<string>;
  isVisible(): boolean;
  onCount(count: number): void;
  /** The session is over (UNAUTHORIZED even after renewal): stop asking until visible again. */
  isSignedOut(error: unknown): boolean;
  setTimeout?: (run: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/** The node and the person acting, for the live changes the notifier tells a creator about. */
export function activityOf(item: LiveItem): { nodeId: string; actorId: string } | null {
  if (item.type === 'message.posted') {
    return { nodeId: item.message.nodeId, actorId: item.message.authorId };
  }
  if (item.type === 'thread.spun') {
    return { nodeId: item.thread.nodeId, actorId: item.thread.accountId };
  }
  return null;
}

export class UnreadWatch {
  private readonly creators = new Map<string, string>();
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private poll: unknown = null;
  private rechecks: unknown[] = [];
  private inFlight: Promise<void> | null = null;
  private again = false;
  private running = false;
  private signedOut = false;

  constructor(private readonly deps: UnreadWatchDeps) {
    this.setTimer = deps.setTimeout ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer =
      deps.clearTimeout ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  start(): void {
    this.running = true;
    void this.refresh();
  }

  stop(): void {
    this.running = false;
    this.clearTimer(this.poll);
    this.poll = null;
    this.clearRechecks();
  }

  /** The tab became visible or the device came back online. */
  visible(): void {
    if (!this.running || !this.deps.isVisible()) return;
    this.signedOut = false;
    void this.refresh();
  }

  /** Every live change; those by others on an own node lead to a few quick looks. */
  async live(item: LiveItem): Promise<void> {
    const activity = activityOf(item);
    if (!activity || !this.running || this.signedOut) return;
    const me = await this.deps.myAccountId().catch(() => null);
    if (me !== null && activity.actorId === me) return;
    const creator = await this.creatorOf(activity.nodeId);
    // Without the own id or the creator, looking once too often is cheaper than missing one.
    if (me !== null && creator !== null && creator !== me) return;
    if (!this.running) return;
    this.clearRechecks();
    this.rechecks = RECHECK_AFTER_MS.map((ms) => this.setTimer(() => void this.refresh(), ms));
  }

  /** Asks for the count now (one request at a time; a call meanwhile asks once more after). */
  refresh(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.ask().finally(() => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      } else {
        this.schedulePoll();
      }
    });
    return this.inFlight;
  }

  private async ask(): Promise<void> {
    try {
      const count = await this.deps.fetchUnread();
      if (this.running) this.deps.onCount(count);
    } catch (error) {
      // Offline or the edge away: the next look tries again. Signed out: wait for the tab to
      // come back (a new sign-in elsewhere may have renewed the cookies by then).
      if (this.deps.isSignedOut(error)) this.signedOut = true;
    }
  }

  /** The minute counts from the last look; a hidden tab or a signed-out session skips it. */
  private schedulePoll(): void {
    this.clearTimer(this.poll);
    this.poll = null;
    if (!this.running || this.signedOut) return;
    this.poll = this.setTimer(() => {
      this.poll = null;
      if (this.deps.isVisible()) void this.refresh();
      else this.schedulePoll();
    }, POLL_MS);
  }

  private clearRechecks(): void {
    for (const handle of this.rechecks) this.clearTimer(handle);
    this.rechecks = [];
  }

  private async creatorOf(nodeId: string): Promise<string | null> {
    const known = this.creators.get(nodeId);
    if (known) return known;
    const creator = await this.deps.nodeCreator(nodeId).catch(() => null);
    if (creator === null) return null;
    if (this.creators.size >= CREATORS_REMEMBERED) {
      this.creators.delete(this.creators.keys().next().value!);
    }
    // A node's creator never changes: one read per node for the life of the page.
    this.creators.set(nodeId, creator);
    return creator;
  }
}
