// Per-account command limit (core/README.md: 60 commands a minute): a fixed window per subject
// in PostgreSQL, so every core instance counts against the same number.
import type { Sql } from '@weltgewebe/db/client';
import { DomainError } from '../errors.ts';

export const DEFAULT_COMMANDS_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

export interface CommandWindow {
  allowed: boolean;
  /** Commands counted in the current window, this one included. */
  commands: number;
  /** Whole seconds until the window ends (at least 1). */
  retryAfterSeconds: number;
}

/** Counts one command for `subject` in one atomic upsert and says whether it is allowed. */
export async function countCommand(
  sql: Sql,
  subject: string,
  now: Date,
  limit: number,
): Promise<CommandWindow> {
  const windowFloor = new Date(now.getTime() - WINDOW_MS);
  const [row] = await sql<{ window_started_at: Date; commands: number }[]>`
    INSERT INTO command_rate_windows AS w (subject, window_started_at, commands)
    VALUES (${subject}, ${now}, 1)
    ON CONFLICT (subject) DO UPDATE SET
      window_started_at = CASE WHEN w.window_started_at <= ${windowFloor}
                               THEN EXCLUDED.window_started_at ELSE w.window_started_at END,
      commands = CASE WHEN w.window_started_at <= ${windowFloor}
                      THEN 1 ELSE w.commands + 1 END
    RETURNING window_started_at, commands`;
  const endsAt = row!.window_started_at.getTime() + WINDOW_MS;
  return {
    allowed: row!.commands <= limit,
    commands: row!.commands,
    retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now.getTime()) / 1000)),
  };
}

export function tooManyCommands(retryAfterSeconds: number, limit: number) {
  return new DomainError(
    'COMMAND_RATE_LIMITED',
    'TOO_MANY_REQUESTS',
    `Höchstens ${limit} Änderungen pro Minute. Bitte warte ${retryAfterSeconds} Sekunden.`,
    { retryAfterSeconds },
  );
}

/** Throws TOO_MANY_REQUESTS (with `retryAfterSeconds` in the details) over the limit. */
export async function enforceCommandLimit(
  services: { sql: Sql; now: () => Date; commandsPerMinute?: number },
  subject: string,
): Promise<void> {
  const limit = services.commandsPerMinute ?? DEFAULT_COMMANDS_PER_MINUTE;
  const window = await countCommand(services.sql, subject, services.now(), limit);
  if (!window.allowed) throw tooManyCommands(window.retryAfterSeconds, limit);
}
