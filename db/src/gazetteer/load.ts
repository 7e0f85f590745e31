// Fills `places` from the gazetteer data set. Idempotent: it replaces whatever is there
// (including the demo seed's hand-written cities) in one transaction, and does nothing when
// exactly this data set is loaded already.
import postgres from 'postgres';
import { copyLine, copyRows } from '../copy-rows.ts';
import { readGazetteer } from './source.ts';

export { GERMANY_AND_NEIGHBOURS } from './source.ts';

export interface LoadGazetteerOptions {
  /** ISO 3166 alpha-2 codes; the whole world when absent. */
  countries?: string[];
  log?: (line: string) => void;
}

export interface LoadGazetteerResult {
  loaded: boolean;
  places: number;
  ms: number;
}

export async function loadGazetteer(
  url: string,
  options: LoadGazetteerOptions = {},
): Promise<LoadGazetteerResult> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const places = await readGazetteer(options.countries);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [state] = await sql<{ total: number; ours: number; checksum: string | null }[]>`
      SELECT count(*)::int AS total, count(geonames_id)::int AS ours,
             sum(geonames_id)::text AS checksum FROM places`;
    const checksum = places.reduce((s, p) => s + BigInt(p.geonamesId), 0n).toString();
    if (
      state!.total === places.length &&
      state!.ours === places.length &&
      state!.checksum === checksum
    ) {
      log(`gazetteer up to date (${places.length} places)`);
      return { loaded: false, places: places.length, ms: Math.round(performance.now() - started) };
    }
    await sql.begin(async (tx) => {
      await tx`DELETE FROM places`;
      await copyRows(
        tx,
        'places',
        ['geonames_id', 'name', 'alt_name', 'country', 'population', 'location'],
        (function* () {
          for (const p of places) {
            yield copyLine([
              p.geonamesId,
              p.name,
              p.altName,
              p.country,
              p.population,
              `SRID=4326;POINT(${p.lon} ${p.lat})`,
            ]);
          }
        })(),
      );
    });
    await sql`ANALYZE places`;
    const ms = Math.round(performance.now() - started);
    log(`gazetteer loaded: ${places.length} places in ${ms} ms`);
    return { loaded: true, places: places.length, ms };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
