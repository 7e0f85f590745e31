// Every signed-in person has a Garnrolle: created on first use from the token's subject
// (SQL function ensure_account, db/migrations/0019_command_functions.sql: one round trip).
import type { Sql } from '@weltgewebe/db/client';
import { DISPLAY_NAME_MAX_CHARS, type MapState } from '@weltgewebe/events/domain';
import type { AuthIdentity } from '@weltgewebe/kit';
import type { Tx } from '../outbox/write-event.ts';

export interface AccountRef {
  id: string;
  displayName: string;
  mapState: MapState;
  publicPoint: { lat: number; lon: number } | null;
}

/** What ensure_account needs of a token: its subject, the display name and a usable e-mail. */
export interface AccountParams {
  subject: string;
  displayName: string;
  /** The address for notification e-mails (kept private), or null when the token has none usable. */
  email: string | null;
  /** When a Garnrolle created now was registered (account.registered): the wall clock. */
  registeredAt: Date;
}

export function accountParams(identity: AuthIdentity): AccountParams {
  const email = identity.email;
  return {
    subject: identity.subject,
    displayName: identity.name.slice(0, DISPLAY_NAME_MAX_CHARS) || 'Weber*in',
    email: email && email.length <= 320 && /^[^@\s]+@[^@\s]+$/.test(email) ? email : null,
    registeredAt: new Date(),
  };
}

interface AccountRefRow {
  ref_id: string;
  ref_name: string;
  ref_map_state: MapState;
  ref_lat: number | null;
  ref_lon: number | null;
}

export async function ensureAccount(tx: Tx | Sql, identity: AuthIdentity): Promise<AccountRef> {
  const p = accountParams(identity);
  const [row] = await tx<AccountRefRow[]>`
    SELECT * FROM ensure_account(${p.subject}, ${p.displayName}, ${p.email}, ${p.registeredAt})`;
  const r = row!;
  return {
    id: r.ref_id,
    displayName: r.ref_name,
    mapState: r.ref_map_state,
    publicPoint:
      r.ref_lat !== null && r.ref_lon !== null ? { lat: r.ref_lat, lon: r.ref_lon } : null,
  };
}
