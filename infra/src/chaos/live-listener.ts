// A person with the map open during the chaos run: one live.changes subscription through the
// front door with tRPC's own SSE link, as the web app has it. When its edge dies the link
// reconnects (through Caddy, to whichever edge is up) with the last event id it heard, and the
// edge sends what was missed first. Every change is counted by its event id: what never came
// is lost, what came twice is a duplicate.
import { createTRPCUntypedClient, httpSubscriptionLink } from '@trpc/client';
import { EventSource } from 'eventsource';

export interface ListenerReport {
  name: string;
  /** How often each event id arrived. */
  seen: Map<string, number>;
  /** Times the connection dropped and came back. */
  reconnects: number;
  /** Subscriptions that ended with an error the link would not retry. */
  errors: string[];
}

interface LiveData {
  type: string;
  eventId?: string;
  missed?: boolean;
}

export class LiveListener {
  readonly report: ListenerReport;
  private stopped = false;
  private subscribedOnce: Promise<void>;
  private markSubscribed: () => void = () => {};
  private unsubscribe: (() => void) | null = null;
  private lastEventId: string | null = null;
  private wasUp = false;

  constructor(
    private readonly base: string,
    name: string,
    private readonly box = { west: -180, south: -85, east: 180, north: 85 },
  ) {
    this.report = { name, seen: new Map(), reconnects: 0, errors: [] };
    this.subscribedOnce = new Promise((resolve) => {
      this.markSubscribed = resolve;
    });
  }

  /** Subscribes; resolves once the first `subscribed` arrived. */
  async start(): Promise<void> {
    this.connect();
    await this.subscribedOnce;
  }

  private connect() {
    const client = createTRPCUntypedClient({
      links: [httpSubscriptionLink({ url: `${this.base}/trpc`, EventSource })],
    });
    // After an error the link gave up on, a new subscription goes on from the last id, as a
    // page would after its own retry; the error itself is counted.
    const input = { ...this.box, ...(this.lastEventId ? { lastEventId: this.lastEventId } : {}) };
    const subscription = client.subscription('live.changes', input, {
      onData: (item) => {
        const { id, data } = item as { id: string; data: LiveData };
        this.lastEventId = id;
        if (data.type === 'subscribed') {
          if (this.wasUp) this.report.reconnects++;
          this.wasUp = true;
          if (data.missed) this.report.errors.push('resumed with changes missed');
          this.markSubscribed();
          return;
        }
        if (data.eventId) {
          this.report.seen.set(data.eventId, (this.report.seen.get(data.eventId) ?? 0) + 1);
        }
      },
      onError: (error) => {
        if (this.stopped) return;
        this.report.errors.push(String(error));
        this.unsubscribe?.();
        setTimeout(() => {
          if (!this.stopped) this.connect();
        }, 1_000);
      },
    });
    this.unsubscribe = () => subscription.unsubscribe();
  }

  stop() {
    this.stopped = true;
    this.unsubscribe?.();
  }
}
