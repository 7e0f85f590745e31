// What procedures need from the outside world, built once per process.
import type { Sql } from '@weltgewebe/db/client';
import type { Logger, SessionRevocations } from '@weltgewebe/kit';

export interface CoreServices {
  sql: Sql;
  log: Logger;
  /** Clock, injectable so thread lifetimes can be tested without waiting a week. */
  now: () => Date;
  /** Commands per account and minute (COMMANDS_PER_MINUTE); 60 when not set. */
  commandsPerMinute?: number;
  /** AUTH_REQUIRED_FOR_READ: queries of the public map need a signed-in caller too. */
  authRequiredForRead?: boolean;
  /** This instance's signed-out sessions (the verifier's list): a sign-out here applies at once. */
  revocations?: SessionRevocations;
  /**
   * Web Push, when configured: the VAPID public key browsers subscribe with. Tests allow
   * http:// endpoints on the loopback (their local push service); production never does.
   */
  push?: { publicKey: string; allowLoopbackHttp?: boolean };
}
