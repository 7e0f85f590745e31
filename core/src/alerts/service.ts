// Area alert subscriptions (core/README.md, "Benachrichtigungen für ein Gebiet"): subscribe to
// an area or a weavery, list and cancel one's own, and the one-click unsubscribe of the e-mail
// link, which needs no sign-in: its token is the capability. By e-mail, Web Push or both.
import { randomBytes } from 'node:crypto';
import { drizzleOn } from '@weltgewebe/db/client';
import { accountEmails, alertSubscriptions } from '@weltgewebe/db/schema';
import { ALERT_SUBSCRIPTIONS_MAX } from '@weltgewebe/events/domain';
import { ApiError, type AuthIdentity } from '@weltgewebe/kit';
import { and, count, eq } from 'drizzle-orm';
import { ensureAccount } from '../accounts/provision.ts';
import { forbidden, notFound } from '../errors.ts';
import type { Tx } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import type { AlertSubscriptionDTO, SubscribeInput } from './model.ts';
import { pushNotConfigured } from './push-browsers.ts';

interface SubscriptionRow {
  id: string;
  label: string;
  west: number | null;
  south: number | null;
  east: number | null;
  north: number | null;
  weavery: string | null;
  kinds: string[];
  topics: string[];
  cadence: AlertSubscriptionDTO['cadence'];
  channel: AlertSubscriptionDTO['channel'];
  created_at: Date;
}

const toDTO = (r: SubscriptionRow): AlertSubscriptionDTO => ({
  id: r.id,
  label: r.label,
  area: r.west === null ? null : { west: r.west, south: r.south!, east: r.east!, north: r.north! },
  weavery: r.weavery,
  kinds: r.kinds,
  topics: r.topics,
  cadence: r.cadence,
  channel: r.channel,
  createdAt: r.created_at.toISOString(),
});

const SELECT_SUBSCRIPTIONS = `
  SELECT s.id, s.label, ST_XMin(s.area) AS west, ST_YMin(s.area) AS south,
         ST_XMax(s.area) AS east, ST_YMax(s.area) AS north, w.slug AS weavery,
         s.kinds, s.topics, s.cadence, s.channel, s.created_at
    FROM alert_subscriptions s LEFT JOIN weaveries w ON w.id = s.weavery_id`;

/** "Gebiet um Lindenau": the nearest gazetteer place to the area's centre names it. */
async function areaLabel(tx: Tx, lon: number, lat: number): Promise<string> {
  const [near] = await tx<{ name: string }[]>`
    SELECT name FROM places ORDER BY location <-> ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326) LIMIT 1`;
  return near ? `Gebiet um ${near.name}` : `Gebiet um ${lat.toFixed(3)}, ${lon.toFixed(3)}`;
}

export async function subscribe(
  services: CoreServices,
  identity: AuthIdentity,
  input: SubscribeInput,
): Promise<AlertSubscriptionDTO> {
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    const db = drizzleOn(tx);
    if (input.channel !== 'push') {
      const [mail] = await db
        .select({ email: accountEmails.email })
        .from(accountEmails)
        .where(eq(accountEmails.accountId, account.id));
      if (!mail) {
        throw new ApiError(
          'NO_EMAIL_ADDRESS',
          'PRECONDITION_FAILED',
          'Für Benachrichtigungen per E-Mail fehlt deine Adresse – dein Anmeldedienst hat keine genannt.',
        );
      }
    }
    if (input.channel !== 'mail') {
      if (!services.push) throw pushNotConfigured();
      const [browser] =
        await tx`SELECT 1 FROM push_subscriptions WHERE account_id = ${account.id} LIMIT 1`;
      if (!browser) {
        throw new ApiError(
          'NO_PUSH_SUBSCRIPTION',
          'PRECONDITION_FAILED',
          'Erlaube erst Benachrichtigungen in diesem Browser, dann kommen sie auch per Push.',
        );
      }
    }
    await tx`SELECT pg_advisory_xact_lock(hashtext('alerts.quota'), hashtext(${account.id}))`;
    const [{ n }] = (await db
      .select({ n: count() })
      .from(alertSubscriptions)
      .where(eq(alertSubscriptions.accountId, account.id))) as [{ n: number }];
    if (n >= ALERT_SUBSCRIPTIONS_MAX) {
      throw forbidden(
        'ALERT_SUBSCRIPTIONS_LIMIT',
        `Du hast schon ${ALERT_SUBSCRIPTIONS_MAX} Benachrichtigungen bestellt. Bestelle erst eine ab.`,
      );
    }
    let weaveryId: string | null = null;
    let label = input.label;
    if (input.weavery) {
      const [w] = await tx<{ id: string; name: string }[]>`
        SELECT id, name FROM weaveries WHERE slug = ${input.weavery}`;
      if (!w) throw notFound('WEAVERY_NOT_FOUND', 'Diese Ortsweberei gibt es nicht.');
      weaveryId = w.id;
      label ??= w.name;
    }
    const a = input.area;
    label ??= await areaLabel(tx, (a!.west + a!.east) / 2, (a!.south + a!.north) / 2);
    const token = randomBytes(32).toString('base64url');
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO alert_subscriptions (account_id, area, weavery_id, label, kinds, topics, cadence,
        channel, unsubscribe_token, created_at)
      VALUES (${account.id},
        ${a ? tx`ST_MakeEnvelope(${a.west}, ${a.south}, ${a.east}, ${a.north}, 4326)` : null},
        ${weaveryId}, ${label}, ${input.kinds}, ${input.topics}, ${input.cadence}, ${input.channel},
        ${token},
        ${services.now()})
      RETURNING id`;
    const [created] = await tx.unsafe<SubscriptionRow[]>(
      `${SELECT_SUBSCRIPTIONS} WHERE s.id = $1`,
      [row!.id],
    );
    return toDTO(created!);
  });
}

export async function listSubscriptions(
  services: CoreServices,
  identity: AuthIdentity,
): Promise<AlertSubscriptionDTO[]> {
  const rows = await services.sql.unsafe<SubscriptionRow[]>(
    `${SELECT_SUBSCRIPTIONS} JOIN accounts a ON a.id = s.account_id
      WHERE a.subject = $1 ORDER BY s.created_at`,
    [identity.subject],
  );
  return rows.map(toDTO);
}

export async function unsubscribe(
  services: CoreServices,
  identity: AuthIdentity,
  id: string,
): Promise<{ id: string }> {
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    const gone = await drizzleOn(tx)
      .delete(alertSubscriptions)
      .where(and(eq(alertSubscriptions.id, id), eq(alertSubscriptions.accountId, account.id)))
      .returning({ id: alertSubscriptions.id });
    if (gone.length === 0) {
      throw notFound('ALERT_NOT_FOUND', 'Diese Benachrichtigung gibt es nicht (mehr).');
    }
    return { id };
  });
}

/** The e-mail link's unsubscribe: idempotent, no sign-in; an unknown token changes nothing. */
export async function unsubscribeByToken(
  services: CoreServices,
  token: string,
): Promise<{ unsubscribed: boolean; label: string | null }> {
  const gone = await drizzleOn(services.sql)
    .delete(alertSubscriptions)
    .where(eq(alertSubscriptions.unsubscribeToken, token))
    .returning({ label: alertSubscriptions.label });
  return { unsubscribed: gone.length > 0, label: gone[0]?.label ?? null };
}
