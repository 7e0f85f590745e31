// The one loop behind every sender of the workers (notification mails, alert mails, alert
// pushes): a poke runs a round at once (or right after the running one), and after each round
// the loop looks again by itself, so a failed send is retried without a new poke.
import type { Logger } from '@weltgewebe/kit';

export interface DueLoopOptions {
  log: Logger;
  /** What the round is called in the log line of a failed round. */
  name: string;
  /** One round: sends what is due now. */
  round: () => Promise<unknown>;
  /** How long to wait after a round before looking again (read after each round). */
  waitMs: () => number;
}

export class DueLoop {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private busy: Promise<void> | null = null;
  private again = false;

  constructor(private readonly opts: DueLoopOptions) {}

  start() {
    this.running = true;
    this.poke();
  }

  /** Stops looking and waits for the round in flight. */
  async stop() {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.busy;
  }

  /** Runs a round now, or once more right after the one in flight (new work came meanwhile). */
  poke() {
    if (!this.running) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.busy = this.opts
      .round()
      .catch((error) => this.opts.log.error(`${this.opts.name} failed`, { error: String(error) }))
      .then(() => undefined)
      .finally(() => {
        this.busy = null;
        if (this.again) {
          this.again = false;
          this.poke();
        } else if (this.running) {
          this.timer = setTimeout(() => this.poke(), this.opts.waitMs());
        }
      });
  }
}
