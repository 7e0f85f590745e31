// Column types the Drizzle mirror needs beyond drizzle-orm's own. Geometry is read and written
// through SQL (ST_* functions) in services; here it only names the columns.
import { customType } from 'drizzle-orm/pg-core';

export const point = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(Point, 4326)',
});
export const polygon = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(Polygon, 4326)',
});
export const lineString = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(LineString, 4326)',
});
/** Web Mercator lines (what tiles draw, stored transformed: 0017_thread_flows_and_segments.sql). */
export const lineString3857 = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(LineString, 3857)',
});
export const multiPolygon = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(MultiPolygon, 4326)',
});
export const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * jsonb as postgres.js encodes and parses it. Drizzle reaches the database through a view of
 * the postgres.js handle that keeps postgres.js's own json handling (db/src/client.ts), so
 * drizzle's jsonb, which stringifies values itself, would encode them twice.
 */
export const jsonb = <T = unknown>(name: string) =>
  customType<{ data: T; driverData: T }>({ dataType: () => 'jsonb' })(name);

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});
