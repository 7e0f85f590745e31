// Environment of the db command-line entry points (migrate, seed), parsed once.
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z.string().url().default('postgres://weltgewebe_owner@127.0.0.1:54329/weltgewebe'),
  CORE_DB_PASSWORD: z.string().min(12).optional(),
  EDGE_DB_PASSWORD: z.string().min(12).optional(),
  SEED_DEMO: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Load the gazetteer of places (db/src/gazetteer) after migrating; skipped when loaded. */
  LOAD_GAZETTEER: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Load the self-hosted basemap (db/src/basemap) after migrating; skipped when loaded. */
  LOAD_BASEMAP: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export type DbEnv = z.infer<typeof schema>;

export function loadDbEnv(source: Record<string, string | undefined> = process.env): DbEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
