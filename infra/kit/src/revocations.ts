// Sign-out ends access at once: the sessions (or, for tokens without a session id, the
// subjects up to a moment) whose access tokens edge and core refuse although their signature
// and expiry are fine. One in-memory list per instance, filled from the database at start and
// kept by the `session.revoked` event (edge) or the database's notifications (core).
import { createHash } from 'node:crypto';
import type { Logger } from './logger.ts';

/**
 * One revocation, as stored and as carried by the `session.revoked` event: opaque keys only.
 * `session`: every token with this `sid`. `subject`: tokens of the person whose `sub` hashes
 * to `key`, issued before `issuedBefore` (providers such as Zitadel put no `sid` into access
 * tokens). `until`: when no token it covers can still be valid.
 */
export interface Revocation {
  kind: 'session' | 'subject';
  key: string;
  /** ISO time; only for `subject`. */
  issuedBefore: string | null;
  /** ISO time. */
  until: string;
}

/** What a revocation is checked against: the verified token's session, subject and age. */
export interface RevocableIdentity {
  subject: string;
  sessionId?: string;
  /** `iat`, seconds since the epoch. */
  issuedAt?: number;
}

/** The opaque key of a subject: a hash, so revocations carry no account name or id. */
export function subjectKeyOf(subject: string): string {
  return createHash('sha256').update(`weltgewebe-subject:${subject}`).digest('hex');
}

/** How long a revocation is kept at least: longer than any access token lives. */
export const REVOCATION_KEEP_SECONDS = 24 * 60 * 60;

/**
 * The revocation that ends this token's session: by its `sid`, or without one by its subject
 * for everything issued up to now. Kept until every token it covers has expired.
 */
export function revocationFor(
  identity: RevocableIdentity & { expiresAt?: number },
  now: Date,
): Revocation {
  const keepUntil = now.getTime() + REVOCATION_KEEP_SECONDS * 1000;
  const until = new Date(Math.max(keepUntil, (identity.expiresAt ?? 0) * 1000 + 60_000));
  return identity.sessionId
    ? { kind: 'session', key: identity.sessionId, issuedBefore: null, until: until.toISOString() }
    : {
        kind: 'subject',
        key: subjectKeyOf(identity.subject),
        issuedBefore: now.toISOString(),
        until: until.toISOString(),
      };
}

export class SessionRevocations {
  /** sid → until (ms). */
  private readonly sessions = new Map<string, number>();
  /** subject key → { issued before (ms), until (ms) }. */
  private readonly subjects = new Map<string, { before: number; until: number }>();
  private loaded = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Idempotent; a later or longer revocation of the same key widens it, never narrows it. */
  apply(revocation: Revocation): void {
    const until = Date.parse(revocation.until);
    if (!Number.isFinite(until) || until <= this.now()) return;
    if (revocation.kind === 'session') {
      this.sessions.set(revocation.key, Math.max(until, this.sessions.get(revocation.key) ?? 0));
      return;
    }
    const before = Date.parse(revocation.issuedBefore ?? '');
    if (!Number.isFinite(before)) return;
    const known = this.subjects.get(revocation.key);
    this.subjects.set(revocation.key, {
      before: Math.max(before, known?.before ?? 0),
      until: Math.max(until, known?.until ?? 0),
    });
  }

  /** The whole list from the database is in (the instance may say it is ready). */
  markLoaded(): void {
    this.loaded = true;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  isRevoked(identity: RevocableIdentity): boolean {
    const now = this.now();
    if (identity.sessionId) {
      const until = this.sessions.get(identity.sessionId);
      if (until !== undefined && until > now) return true;
    }
    if (this.subjects.size === 0) return false;
    const subject = this.subjects.get(subjectKeyOf(identity.subject));
    if (!subject || subject.until <= now) return false;
    // A token that does not say when it was issued could be from before the sign-out.
    if (identity.issuedAt === undefined) return true;
    // iat has whole seconds: a token of the same second as the sign-out counts as before it.
    return identity.issuedAt <= Math.floor(subject.before / 1000);
  }

  /** Forgets what has run out; returns how many entries remain. */
  prune(): number {
    const now = this.now();
    for (const [key, until] of this.sessions) if (until <= now) this.sessions.delete(key);
    for (const [key, entry] of this.subjects) if (entry.until <= now) this.subjects.delete(key);
    return this.sessions.size + this.subjects.size;
  }

  get size(): number {
    return this.sessions.size + this.subjects.size;
  }
}

/** How often an instance reads the whole list again: bounds what a lost event can cost. */
export const REVOCATION_RELOAD_MS = 30_000;

/**
 * Fills `list` from the database now (retrying until it works) and again every `everyMs`, so a
 * missed event or notification is made up for within that time; forgets what has run out.
 * `reload()` asks for a read at once (after a reconnect, when events may have been missed).
 */
export function keepRevocationsLoaded(
  list: SessionRevocations,
  load: () => Promise<Revocation[]>,
  log: Pick<Logger, 'warn' | 'info'>,
  everyMs = REVOCATION_RELOAD_MS,
) {
  let stopped = false;
  let running: Promise<void> | null = null;
  const readOnce = (): Promise<void> => {
    running ??= load()
      .then((rows) => {
        for (const row of rows) list.apply(row);
        list.prune();
        if (!list.isLoaded) log.info('signed-out sessions loaded', { count: list.size });
        list.markLoaded();
      })
      .catch((error: unknown) => {
        log.warn('signed-out sessions could not be read', { error: String(error) });
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const first = (async () => {
    // Until the list is in, signed-in requests are answered 503 (see createJwtVerifier).
    while (!stopped && !list.isLoaded) {
      await readOnce();
      if (!list.isLoaded) await Bun.sleep(1_000);
    }
  })();
  const timer = setInterval(() => void readOnce(), everyMs);
  timer.unref?.();
  return {
    /** Resolves once the list has been read (or the loader was stopped). */
    loaded: first,
    reload: readOnce,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
