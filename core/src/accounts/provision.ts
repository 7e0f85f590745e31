// Every signed-in person has a Garnrolle: created on first use from the token's subject.
import { drizzleOn } from '@weltgewebe/db/client';
import { accountEmails, accounts } from '@weltgewebe/db/schema';
import { DISPLAY_NAME_MAX_CHARS, type MapState } from '@weltgewebe/events/domain';
import type { AuthIdentity } from '@weltgewebe/kit';
import { eq, sql } from 'drizzle-orm';
import { type Tx, writeEvent } from '../outbox/write-event.ts';

export interface AccountRef {
  id: string;
  displayName: string;
  mapState: MapState;
  publicPoint: { lat: number; lon: number } | null;
}

export async function ensureAccount(tx: Tx, identity: AuthIdentity): Promise<AccountRef> {
  const displayName = identity.name.slice(0, DISPLAY_NAME_MAX_CHARS) || 'Weber*in';
  const db = drizzleOn(tx);
  const [inserted] = await db
    .insert(accounts)
    .values({ subject: identity.subject, displayName })
    .onConflictDoNothing({ target: accounts.subject })
    .returning({ id: accounts.id });
  if (inserted) {
    await writeEvent(
      tx,
      'account.registered',
      { actorId: inserted.id, aggregateId: inserted.id, version: 1 },
      { accountId: inserted.id, displayName },
    );
  }
  const [row] = await db
    .select({
      id: accounts.id,
      displayName: accounts.displayName,
      mapState: accounts.mapState,
      lat: sql<number | null>`ST_Y(${accounts.publicPoint})`,
      lon: sql<number | null>`ST_X(${accounts.publicPoint})`,
      email: accountEmails.email,
    })
    .from(accounts)
    .leftJoin(accountEmails, eq(accountEmails.accountId, accounts.id))
    .where(eq(accounts.subject, identity.subject));
  if (!row) throw new Error('account vanished during provisioning');
  // The address for notification e-mails comes from the token; kept private in its own table.
  const email = identity.email;
  if (email && email !== row.email && email.length <= 320 && /^[^@\s]+@[^@\s]+$/.test(email)) {
    await db
      .insert(accountEmails)
      .values({ accountId: row.id, email })
      .onConflictDoUpdate({
        target: accountEmails.accountId,
        set: { email, updatedAt: sql`now()` },
      });
  }
  const onMap = row.mapState !== 'not_on_map' && row.lat !== null && row.lon !== null;
  return {
    id: row.id,
    displayName: row.displayName,
    mapState: onMap ? row.mapState : 'not_on_map',
    publicPoint: onMap ? { lat: row.lat!, lon: row.lon! } : null,
  };
}
