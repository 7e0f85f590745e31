// Sign-out: the caller's own session is recorded as revoked and announced, in one transaction,
// so every edge and core instance refuses its access tokens from now on (kit/revocations.ts).
import type { AuthIdentity, Revocation } from '@weltgewebe/kit';
import { revocationFor } from '@weltgewebe/kit';
import { writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';

export async function revokeOwnSession(
  services: CoreServices,
  identity: AuthIdentity,
): Promise<Revocation> {
  const revocation = revocationFor(identity, services.now());
  await services.sql.begin(async (tx) => {
    // Rows nobody can need any more go with the next sign-out (no job of their own).
    await tx`DELETE FROM session_revocations WHERE valid_until <= now()`;
    await tx`
      INSERT INTO session_revocations (kind, key, issued_before, valid_until)
      VALUES (${revocation.kind}, ${revocation.key}, ${revocation.issuedBefore}, ${revocation.until})
      ON CONFLICT (kind, key) DO UPDATE SET
        issued_before = GREATEST(session_revocations.issued_before, EXCLUDED.issued_before),
        valid_until = GREATEST(session_revocations.valid_until, EXCLUDED.valid_until),
        revoked_at = now()`;
    await writeEvent(
      tx,
      'session.revoked',
      { actorId: null, aggregateId: revocation.key, version: 1 },
      revocation,
    );
  });
  // This instance refuses the token at once, before the notification comes back round.
  services.revocations?.apply(revocation);
  services.log.info('session revoked', { kind: revocation.kind });
  return revocation;
}
