// Connections (side effects): postgres.js pools, and Drizzle's typed query builder on a pool or
// on a transaction of one (ordinary queries go through Drizzle; PostGIS/H3/MVT SQL and the hot
// command statements stay hand-written on the same handle, in the same transaction).
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type Db = PostgresJsDatabase;

export interface PoolOptions {
  max?: number;
  applicationName: string;
}

export function createPool(url: string, options: PoolOptions): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
}

type Handle = Sql | postgres.TransactionSql;

/** What drizzle() calls on its client, delegated to a handle (see drizzleOn). */
interface ClientView {
  options: { parsers: Record<string, unknown>; serializers: Record<string, unknown> };
  unsafe(query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions): unknown;
  begin<T>(fn: (view: ClientView) => Promise<T>): Promise<T>;
  savepoint<T>(fn: (view: ClientView) => Promise<T>): Promise<T>;
}

function clientView(sql: Handle): ClientView {
  return {
    options: { parsers: {}, serializers: {} },
    unsafe: (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
      sql.unsafe(query, params as postgres.ParameterOrJSON<never>[], { ...options, prepare: true }),
    // db.transaction() and nested tx.transaction(): the same view on the inner handle.
    begin: (fn) => (sql as Sql).begin((tx) => fn(clientView(tx))) as never,
    savepoint: (fn) =>
      (sql as postgres.TransactionSql).savepoint((tx) => fn(clientView(tx))) as never,
  };
}

const dbs = new WeakMap<Handle, Db>();

/**
 * Drizzle on a postgres.js pool or transaction (`sql.begin(async (tx) => { const db =
 * drizzleOn(tx); … })`): its queries run on that handle, so they share the transaction with
 * the hand-written SQL around them.
 *
 * Drizzle is not handed the handle itself: drizzle() replaces the handle's parsers and
 * serializers for timestamps and json in place, which would reach every query of the pool
 * (hand-written reads would get strings instead of Dates, and sql.json() parameters would no
 * longer be encoded). It gets a view with an options object of its own, and so reads values as
 * postgres.js parses them (Dates, parsed json; the schema's columns expect that, see
 * schema/column-types.ts for jsonb). Its statements are prepared like tagged templates are (one per
 * text and connection), so a repeated query costs one round trip instead of a describe first.
 */
export function drizzleOn(sql: Handle): Db {
  let db = dbs.get(sql);
  if (!db) {
    db = drizzle(clientView(sql) as unknown as Sql);
    dbs.set(sql, db);
  }
  return db;
}
