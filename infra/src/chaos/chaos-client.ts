// The chaos run's HTTP client: tRPC calls through the front door as an app would make them,
// with bounded retries (same input, so the same operationId) on what a client may retry —
// no answer at all, 502/503/504 from Caddy or the edge, 429 with its Retry-After — and the
// read-your-writes cookie kept like a browser keeps it. What still fails after the retries
// is a client-visible error.

export interface ClientError {
  what: string;
  detail: string;
  at: number;
}

export interface ClientStats {
  requests: number;
  retries: number;
  /** Requests sent and not yet answered (the faults wait for some before killing). */
  inFlight: number;
  errors: ClientError[];
}

export const newClientStats = (): ClientStats => ({
  requests: 0,
  retries: 0,
  inFlight: 0,
  errors: [],
});

const RETRYABLE = new Set([429, 502, 503, 504]);
/** Attempts per call and the pauses between them (about 15 s in all, then it counts as failed). */
const BACKOFF_MS = [250, 500, 1_000, 2_000, 3_000, 3_000, 3_000, 3_000];
const ATTEMPT_TIMEOUT_MS = 10_000;

export class ChaosClient {
  private lsnCookie: string | null = null;

  constructor(
    private readonly base: string,
    /** The person's current access token (it is renewed during a long run); null: anonymous. */
    private readonly token: (() => string) | null,
    readonly stats: ClientStats,
    /** false: one attempt per call, so every answer that is not a success counts (the roll). */
    private readonly retry = true,
  ) {}

  private keepCookie(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      if (pair.startsWith('wg_lsn=')) this.lsnCookie = pair;
    }
  }

  private headers(json: boolean): Record<string, string> {
    return {
      ...(this.token ? { authorization: `Bearer ${this.token()}` } : {}),
      ...(this.lsnCookie ? { cookie: this.lsnCookie } : {}),
      ...(json ? { 'content-type': 'application/json' } : {}),
    };
  }

  /**
   * One HTTP exchange with retries. `accept` says which answers count as success (and what to
   * take from them); anything else retryable is tried again, the rest fails at once.
   */
  private async exchange<T>(
    what: string,
    request: () => { url: string; init: RequestInit },
    accept: (res: Response) => Promise<T | undefined>,
  ): Promise<T | null> {
    let last = '';
    const attempts = this.retry ? BACKOFF_MS.length + 1 : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        await Bun.sleep(BACKOFF_MS[attempt - 1]! * (0.75 + Math.random() / 2));
      }
      this.stats.requests++;
      const { url, init } = request();
      let res: Response;
      this.stats.inFlight++;
      try {
        res = await fetch(url, { ...init, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
        this.keepCookie(res);
        const value = await accept(res);
        if (value !== undefined) return value;
      } catch (error) {
        // No answer, or the body broke off (the edge died while answering).
        last = `no answer: ${error instanceof Error ? error.message : String(error)}`;
        continue;
      } finally {
        this.stats.inFlight--;
      }
      last = `HTTP ${res.status} ${(await res.text().catch(() => '')).slice(0, 300)}`;
      if (!RETRYABLE.has(res.status)) break;
      if (res.status === 429) {
        const seconds = Number(res.headers.get('retry-after') ?? '1');
        await Bun.sleep(Math.min(5, Number.isFinite(seconds) ? seconds : 1) * 1000);
      }
    }
    this.stats.errors.push({ what, detail: last, at: Date.now() });
    return null;
  }

  /** A tRPC mutation; the same input on every attempt. */
  mutate<T>(path: string, input: unknown): Promise<T | null> {
    return this.exchange(
      path,
      () => ({
        url: `${this.base}/trpc/${path}`,
        init: { method: 'POST', headers: this.headers(true), body: JSON.stringify(input) },
      }),
      async (res) =>
        res.status === 200
          ? ((await res.json()) as { result: { data: T } }).result.data
          : undefined,
    );
  }

  /** A tRPC query; `found` false when the answer is NOT_FOUND (404), which is no error here. */
  query<T>(path: string, input: unknown): Promise<{ found: boolean; data: T | null } | null> {
    return this.exchange(
      path,
      () => ({
        url: `${this.base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
        init: { headers: this.headers(false) },
      }),
      async (res) => {
        if (res.status === 404) {
          await res.arrayBuffer();
          return { found: false, data: null };
        }
        if (res.status !== 200) return undefined;
        return { found: true, data: ((await res.json()) as { result: { data: T } }).result.data };
      },
    );
  }

  /** A page of the web app (HTML); true when it came. */
  page(path: string): Promise<boolean | null> {
    return this.exchange(
      `page ${path}`,
      () => ({ url: `${this.base}${path}`, init: { headers: this.headers(false) } }),
      async (res) => {
        if (res.status !== 200) return undefined;
        await res.arrayBuffer();
        return true;
      },
    );
  }

  /** A vector tile; true when it came (200, or 304 for a known ETag). */
  tile(path: string): Promise<boolean | null> {
    return this.exchange(
      `tile ${path}`,
      () => ({ url: `${this.base}${path}`, init: { headers: this.headers(false) } }),
      async (res) => {
        if (res.status !== 200 && res.status !== 304) return undefined;
        await res.arrayBuffer();
        return true;
      },
    );
  }
}
