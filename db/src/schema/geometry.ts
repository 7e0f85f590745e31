// PostGIS column types for Drizzle. Geometry is read and written through SQL
// (ST_* functions) in services; here it only names the columns.
import { customType } from 'drizzle-orm/pg-core';

export const point = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(Point, 4326)',
});
export const polygon = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(Polygon, 4326)',
});
export const multiPolygon = customType<{ data: string; driverData: string }>({
  dataType: () => 'geometry(MultiPolygon, 4326)',
});
export const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
