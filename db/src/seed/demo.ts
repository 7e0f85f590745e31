// Loads the small demo world once: a few hundred Knoten around German cities, Garnrollen,
// living threads, weaveries for Hamburg and Berlin (with their H3 cover) and the gazetteer.

import { NODE_KINDS, THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import { latLngToCell, polygonToCells } from 'h3-js';
import postgres from 'postgres';
import { H3_RESOLUTIONS } from '../schema/index.ts';
import {
  DEMO_TITLES,
  DEMO_TOPICS,
  DEMO_WEAVERIES,
  GERMAN_CITIES,
  seededRandom,
} from './demo-world.ts';

export interface SeedOptions {
  nodes?: number;
  log?: (line: string) => void;
  seed?: number;
}

const h3Of = (lat: number, lon: number, res: number) =>
  BigInt(`0x${latLngToCell(lat, lon, res)}`).toString();

/** Returns false when the demo world was already there. */
export async function seedDemo(url: string, options: SeedOptions = {}): Promise<boolean> {
  const log = options.log ?? (() => {});
  const rand = seededRandom(options.seed ?? 20261122);
  const total = options.nodes ?? 400;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [existing] = await sql`SELECT count(*)::int AS n FROM weaveries WHERE slug = 'hamburg'`;
    if (existing!.n > 0) {
      log('demo data already loaded');
      return false;
    }
    const started = performance.now();
    await sql.begin(async (tx) => {
      for (const c of GERMAN_CITIES) {
        await tx`INSERT INTO places (name, country, population, location)
          VALUES (${c.name}, 'DE', ${c.population}, ST_SetSRID(ST_MakePoint(${c.lon}, ${c.lat}), 4326))`;
      }
      for (const w of DEMO_WEAVERIES) {
        const ring = w.ring.map(([lon, lat]) => `${lon} ${lat}`).join(', ');
        const [row] = await tx`INSERT INTO weaveries (name, slug, area)
          VALUES (${w.name}, ${w.slug}, ST_Multi(ST_GeomFromText(${`POLYGON((${ring}))`}, 4326))) RETURNING id`;
        const cells = polygonToCells(
          w.ring.map(([lon, lat]) => [lon, lat]),
          7,
          true,
        ).map((c) => BigInt(`0x${c}`).toString());
        await tx`INSERT INTO weavery_cells (weavery_id, cell) SELECT ${row!.id}, unnest(${cells}::bigint[])`;
      }

      // Garnrollen: the demo users (the weaver on the map in Hamburg) and a community per city.
      const people: Array<{ id: string; lat: number | null; lon: number | null }> = [];
      const addAccount = async (
        subject: string,
        name: string,
        at: { lat: number; lon: number } | null,
      ) => {
        const cells = at
          ? H3_RESOLUTIONS.map((r) => h3Of(at.lat, at.lon, r))
          : [null, null, null, null];
        const [row] =
          await tx`INSERT INTO accounts (subject, display_name, map_state, public_point, h3_r3, h3_r5, h3_r7, h3_r9)
          VALUES (${subject}, ${name}, ${at ? 'exact' : 'not_on_map'},
                  ${at ? tx`ST_SetSRID(ST_MakePoint(${at.lon}, ${at.lat}), 4326)` : null},
                  ${cells[0] ?? null}, ${cells[1] ?? null}, ${cells[2] ?? null}, ${cells[3] ?? null})
          RETURNING id`;
        if (at) {
          await tx`INSERT INTO account_locations (account_id, location)
            VALUES (${row!.id}, ST_SetSRID(ST_MakePoint(${at.lon}, ${at.lat}), 4326))`;
        }
        people.push({ id: row!.id, lat: at?.lat ?? null, lon: at?.lon ?? null });
      };
      await addAccount('demo-reader', 'Rike Reader', null);
      await addAccount('demo-weaver', 'Wim Weber', { lat: 53.5625, lon: 9.9645 });
      await addAccount('demo-admin', 'Ada Admin', null);
      for (const [i, c] of GERMAN_CITIES.entries()) {
        for (let k = 0; k < 2; k++) {
          const at = { lat: c.lat + (rand() - 0.5) * 0.06, lon: c.lon + (rand() - 0.5) * 0.09 };
          await addAccount(`demo-community-${i}-${k}`, `Nachbar*in ${c.name} ${k + 1}`, at);
        }
      }
      const community = people.slice(3);

      // Nodes spread by population over the cities, each with its conversation and knotting thread.
      const weights = GERMAN_CITIES.map((c) => Math.sqrt(c.population));
      const weightSum = weights.reduce((a, b) => a + b, 0);
      const now = Date.now();
      for (let n = 0; n < total; n++) {
        let pick = rand() * weightSum;
        let cityIndex = 0;
        while (pick > weights[cityIndex]! && cityIndex < weights.length - 1)
          pick -= weights[cityIndex++]!;
        const city = GERMAN_CITIES[cityIndex]!;
        const r = Math.sqrt(rand()) * 0.08;
        const theta = rand() * 2 * Math.PI;
        const lat = city.lat + r * Math.sin(theta) * 0.6;
        const lon = city.lon + r * Math.cos(theta);
        const kind = NODE_KINDS[n % NODE_KINDS.length]!;
        const titles = DEMO_TITLES[kind]!;
        const title = `${titles[Math.floor(rand() * titles.length)]} ${city.name.split(' ')[0]}`;
        const author = community[(cityIndex * 2 + (n % 2)) % community.length]!;
        const startsAt =
          kind === 'event' ? new Date(now + Math.floor(rand() * 28) * 86_400_000) : null;
        const [node] =
          await tx`INSERT INTO nodes (kind, title, summary, topics, location, h3_r3, h3_r5, h3_r7, h3_r9,
            starts_at, created_by)
          VALUES (${kind}, ${title}, ${`Ein Beispiel-Knoten in ${city.name}.`}, ${DEMO_TOPICS[kind]!},
                  ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326),
                  ${h3Of(lat, lon, 3)}, ${h3Of(lat, lon, 5)}, ${h3Of(lat, lon, 7)}, ${h3Of(lat, lon, 9)},
                  ${startsAt}, ${author.id})
          RETURNING id`;
        await tx`INSERT INTO conversations (node_id) VALUES (${node!.id})`;
        const spun = new Date(now - rand() * (THREAD_LIFETIME_HOURS - 1) * 3_600_000);
        const expires = new Date(spun.getTime() + THREAD_LIFETIME_HOURS * 3_600_000);
        await tx`INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
          VALUES (${author.id}, ${node!.id}, 'knotting', ${spun}, ${expires})`;
      }
    });
    log(`demo data loaded: ${total} nodes in ${Math.round(performance.now() - started)} ms`);
    return true;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
