// Every signed-in person has a Garnrolle: created on first use from the token's subject.
import { DISPLAY_NAME_MAX_CHARS, type MapState } from '@weltgewebe/events/domain';
import type { AuthIdentity } from '@weltgewebe/kit';
import { type Tx, writeEvent } from '../outbox/write-event.ts';

export interface AccountRef {
  id: string;
  displayName: string;
  mapState: MapState;
  publicPoint: { lat: number; lon: number } | null;
}

export async function ensureAccount(tx: Tx, identity: AuthIdentity): Promise<AccountRef> {
  const displayName = identity.name.slice(0, DISPLAY_NAME_MAX_CHARS) || 'Weber*in';
  const inserted = await tx<{ id: string }[]>`
    INSERT INTO accounts (subject, display_name) VALUES (${identity.subject}, ${displayName})
    ON CONFLICT (subject) DO NOTHING RETURNING id`;
  if (inserted[0]) {
    await writeEvent(
      tx,
      'account.registered',
      { actorId: inserted[0].id, aggregateId: inserted[0].id, version: 1 },
      { accountId: inserted[0].id, displayName },
    );
  }
  const [row] = await tx<
    {
      id: string;
      display_name: string;
      map_state: AccountRef['mapState'];
      lat: number | null;
      lon: number | null;
      email: string | null;
    }[]
  >`SELECT id, display_name, map_state, ST_Y(public_point) AS lat, ST_X(public_point) AS lon,
      (SELECT email FROM account_emails WHERE account_id = accounts.id) AS email
      FROM accounts WHERE subject = ${identity.subject}`;
  if (!row) throw new Error('account vanished during provisioning');
  // The address for notification e-mails comes from the token; kept private in its own table.
  const email = identity.email;
  if (email && email !== row.email && email.length <= 320 && /^[^@\s]+@[^@\s]+$/.test(email)) {
    await tx`INSERT INTO account_emails (account_id, email) VALUES (${row.id}, ${email})
      ON CONFLICT (account_id) DO UPDATE SET email = EXCLUDED.email, updated_at = now()`;
  }
  const onMap = row.map_state !== 'not_on_map' && row.lat !== null && row.lon !== null;
  return {
    id: row.id,
    displayName: row.display_name,
    mapState: onMap ? row.map_state : 'not_on_map',
    publicPoint: onMap ? { lat: row.lat!, lon: row.lon! } : null,
  };
}
