// Reads the signed-out sessions that still matter (0013_session_revocations.sql), for the lists
// edge and core keep in memory. Both roles may run it; the shape is kit's `Revocation`.
import type { Sql } from './client.ts';

export interface StoredRevocation {
  kind: 'session' | 'subject';
  key: string;
  issuedBefore: string | null;
  until: string;
}

export async function loadSessionRevocations(sql: Sql): Promise<StoredRevocation[]> {
  const rows = await sql<
    { kind: 'session' | 'subject'; key: string; issued_before: Date | null; valid_until: Date }[]
  >`
    SELECT kind, key, issued_before, valid_until FROM session_revocations WHERE valid_until > now()`;
  return rows.map((r) => ({
    kind: r.kind,
    key: r.key,
    issuedBefore: r.issued_before ? r.issued_before.toISOString() : null,
    until: r.valid_until.toISOString(),
  }));
}
