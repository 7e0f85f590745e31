// Per-IP read limit (domain: 1,200 reads per minute per IP at the edge): a token bucket per
// address that refills continuously, so a burst of a full minute's reads is allowed once
// and then the steady rate. Per instance: with N edge instances behind Caddy's least_conn
// the effective limit is up to N times higher.

interface Bucket {
  tokens: number;
  at: number;
}

export interface ReadLimiterOptions {
  perMinute: number;
  /** Most addresses remembered; the least recently seen are forgotten first. */
  maxAddresses?: number;
  now?: () => number;
}

export class ReadLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly opts: ReadLimiterOptions) {
    this.ratePerMs = opts.perMinute / 60_000;
    this.maxAddresses = opts.maxAddresses ?? 100_000;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Takes `cost` reads; returns 0 when allowed, else the seconds until they would be. */
  take(ip: string, cost = 1): number {
    if (this.opts.perMinute <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(ip);
    if (bucket) {
      this.buckets.delete(ip);
      bucket.tokens = Math.min(
        this.opts.perMinute,
        bucket.tokens + (now - bucket.at) * this.ratePerMs,
      );
      bucket.at = now;
    } else {
      bucket = { tokens: this.opts.perMinute, at: now };
      if (this.buckets.size >= this.maxAddresses) {
        // Map order is insertion order and every use re-inserts: the first is the stalest.
        this.buckets.delete(this.buckets.keys().next().value!);
      }
    }
    this.buckets.set(ip, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - bucket.tokens) / this.ratePerMs / 1000));
  }
}
