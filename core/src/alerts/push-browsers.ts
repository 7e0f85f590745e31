// The browsers that show a person's area alerts by Web Push: the VAPID key they subscribe with,
// registering one (its push endpoint and keys, stored per account) and withdrawing it. The
// workers push to every registered browser and drop one its push service calls gone (404/410).
import { isIP } from 'node:net';
import { PUSH_SUBSCRIPTIONS_MAX } from '@weltgewebe/events/domain';
import { ApiError, type AuthIdentity } from '@weltgewebe/kit';
import { ensureAccount } from '../accounts/provision.ts';
import { invalid } from '../errors.ts';
import type { CoreServices } from '../services.ts';
import type { PushSubscribeInput } from './model.ts';

export function pushNotConfigured() {
  return new ApiError(
    'PUSH_NOT_CONFIGURED',
    'PRECONDITION_FAILED',
    'Push-Benachrichtigungen sind auf diesem Server nicht eingerichtet – wähle E-Mail.',
  );
}

/** The application server key a browser's pushManager.subscribe() needs, or null (push off). */
export function pushKey(services: CoreServices): { publicKey: string | null } {
  return { publicKey: services.push?.publicKey ?? null };
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * The workers POST to this address, so it must look like a push service: https to a named
 * host. (Tests run their own push service on the loopback over http.)
 */
function endpointProblem(endpoint: string, allowLoopbackHttp: boolean): string | null {
  const url = new URL(endpoint);
  if (allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  if (url.protocol !== 'https:') return 'Die Push-Adresse muss mit https:// beginnen.';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || host === 'localhost' || !host.includes('.') || url.username || url.password) {
    return 'Das ist keine Adresse eines Push-Dienstes.';
  }
  return null;
}

export async function registerPushBrowser(
  services: CoreServices,
  identity: AuthIdentity,
  input: PushSubscribeInput,
): Promise<{ id: string }> {
  if (!services.push) throw pushNotConfigured();
  const problem = endpointProblem(input.endpoint, services.push.allowLoopbackHttp ?? false);
  if (problem) throw invalid({ endpoint: [problem] }, problem);
  const key = Buffer.from(input.keys.p256dh, 'base64url');
  if (key.length !== 65 || key[0] !== 4) {
    throw invalid({ 'keys.p256dh': ['Kein unkomprimierter P-256-Schlüssel (65 Bytes).'] });
  }
  if (Buffer.from(input.keys.auth, 'base64url').length !== 16) {
    throw invalid({ 'keys.auth': ['Das Geheimnis muss 16 Bytes lang sein.'] });
  }
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    // One endpoint is one browser: whoever registered it last hears the alerts there.
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO push_subscriptions (account_id, endpoint, p256dh, auth, created_at)
      VALUES (${account.id}, ${input.endpoint}, ${input.keys.p256dh}, ${input.keys.auth},
              ${services.now()})
      ON CONFLICT (endpoint) DO UPDATE
        SET account_id = EXCLUDED.account_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
            created_at = EXCLUDED.created_at
      RETURNING id`;
    // A person's oldest browsers make room: the one just registered is the one in use.
    await tx`
      DELETE FROM push_subscriptions WHERE id IN (
        SELECT id FROM push_subscriptions WHERE account_id = ${account.id}
         ORDER BY created_at DESC, id OFFSET ${PUSH_SUBSCRIPTIONS_MAX})`;
    return { id: row!.id };
  });
}

export async function unregisterPushBrowser(
  services: CoreServices,
  identity: AuthIdentity,
  endpoint: string,
): Promise<{ removed: boolean }> {
  const gone = await services.sql<{ id: string }[]>`
    DELETE FROM push_subscriptions p USING accounts a
     WHERE p.endpoint = ${endpoint} AND a.id = p.account_id AND a.subject = ${identity.subject}
    RETURNING p.id`;
  return { removed: gone.length > 0 };
}

/** How many browsers may show this person's alerts (the alert form says so). */
export async function pushBrowserCount(services: CoreServices, identity: AuthIdentity) {
  const [row] = await services.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM push_subscriptions p JOIN accounts a ON a.id = p.account_id
     WHERE a.subject = ${identity.subject}`;
  return { browsers: row?.n ?? 0, configured: Boolean(services.push) };
}
