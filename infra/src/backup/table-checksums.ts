// Row count and an order-free checksum of every user table, to compare a restored database
// with its source at one moment. The checksum is the sum of the first 64 bits of each row's
// md5 (of the row as text): independent of physical order, no sort, one pass per table.
import type postgres from 'postgres';

type Sql = postgres.Sql | postgres.TransactionSql;

export interface TableChecksum {
  table: string;
  rows: number;
  checksum: string;
}

/** Every ordinary table outside the system schemas, schema-qualified and quoted. */
export async function userTables(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    SELECT format('%I.%I', n.nspname, c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1`;
  return rows.map((r) => r.name);
}

export async function tableChecksums(sql: Sql, tables: string[]): Promise<TableChecksum[]> {
  const out: TableChecksum[] = [];
  for (const table of tables) {
    // The name comes from pg_class via format('%I'), never from input.
    const [row] = await sql.unsafe<{ rows: string; checksum: string }[]>(
      `SELECT count(*)::text AS rows,
              coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0)::text
                AS checksum
         FROM ${table} t`,
    );
    out.push({ table, rows: Number(row!.rows), checksum: row!.checksum });
  }
  return out;
}

/** Tables whose count or checksum differ (or exist on one side only). */
export function differences(source: TableChecksum[], restored: TableChecksum[]): string[] {
  const byName = new Map(restored.map((t) => [t.table, t]));
  const out: string[] = [];
  for (const s of source) {
    const r = byName.get(s.table);
    if (!r) out.push(`${s.table}: missing in the restored database`);
    else if (r.rows !== s.rows || r.checksum !== s.checksum) {
      out.push(
        `${s.table}: ${s.rows} rows / ${s.checksum} at the source, ${r.rows} / ${r.checksum} restored`,
      );
    }
    byName.delete(s.table);
  }
  for (const name of byName.keys()) out.push(`${name}: only in the restored database`);
  return out;
}
