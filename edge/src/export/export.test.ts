// Exports through the edge on real PostgreSQL/NATS/OIDC: GeoJSON, CSV and iCal of an area or a
// weavery, the cap, clear errors, and the privacy promise (no private location, no hidden or
// removed node, no creator in any export).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import postgres from 'postgres';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { EXPORT_MAX_ROWS } from './model.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
}, 60_000);
afterAll(async () => {
  await h.stop();
});

type Ring = [number, number][];
const square = (lon: number, lat: number, d: number): Ring => [
  [lon, lat],
  [lon + d, lat],
  [lon + d, lat + d],
  [lon, lat + d],
  [lon, lat],
];
const op = () => crypto.randomUUID();

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

/** RFC 5545 unfolding: a CRLF followed by one space or tab continues the line. */
const unfold = (ics: string) => ics.replace(/\r\n[ \t]/g, '');

// Kiel's square: 10.0–10.2 E, 54.25–54.45 N.
const KIEL_BBOX = '10,54.25,10.2,54.45';
const PRIVATE = { lat: 54.3456789, lon: 10.1234567 };

let accountId = '';
const ids: Record<string, string> = {};

describe('exports', () => {
  beforeAll(async () => {
    const admin = h.client(await accessTokenFor('admin'));
    const weaver = h.client(await accessTokenFor('weaver'));
    await admin.weaveries.create.mutate({
      name: 'Ortsweberei Kiel',
      slug: 'kiel',
      area: { type: 'Polygon', coordinates: [square(10.0, 54.25, 0.2)] },
    });
    // The weaver is on the map with a private home inside the area, shown only within 500 m.
    await weaver.accounts.setLocation.mutate({ mapState: 'radius', ...PRIVATE, radiusM: 500 });
    accountId = (await weaver.accounts.me.query()).id;
    const make = async (key: string, input: Record<string, unknown>) => {
      const node = await weaver.nodes.create.mutate({
        operationId: op(),
        kind: 'place',
        lat: 54.3,
        lon: 10.1,
        ...input,
      } as Parameters<typeof weaver.nodes.create.mutate>[0]);
      ids[key] = node.id;
      return node;
    };
    await make('garden', {
      title: 'Gemeinschaftsgarten, "Kiel-Süd"',
      summary: 'Beete\nund Kompost',
      topics: ['food', 'nature'],
      address: 'Südring 3; Kiel',
    });
    await make('formula', { title: '=HYPERLINK("http://x.test")', summary: '@SUM(A1)' });
    await make('event', {
      kind: 'event',
      title: 'Reparatur-Café; mit Kaffee, Kuchen und einem sehr langen Titel über 75 Bytes äöü',
      summary: 'Bring kaputte Dinge mit, wir reparieren sie gemeinsam.',
      address: 'Stadtteilhaus, Raum 2',
      startsAt: '2026-12-12T14:00:00.000Z',
      endsAt: '2026-12-12T17:30:00.000Z',
      lat: 54.31,
      lon: 10.12,
    });
    const hidden = await make('hidden', { title: 'Versteckter Knoten' });
    await admin.nodes.hide.mutate({ id: hidden.id, hidden: true });
    const removed = await make('removed', { title: 'Entfernter Knoten' });
    await weaver.nodes.remove.mutate({ id: removed.id, expectedVersion: 1, operationId: op() });
    // Outside the weavery but inside a larger box.
    await make('outside', { title: 'Außerhalb', lat: 54.6, lon: 10.1 });
  }, 60_000);

  test('GeoJSON of a box: live nodes only, public fields, licence and count', async () => {
    const res = await h.request(`/export/nodes.geojson?bbox=${KIEL_BBOX}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/geo+json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain('attachment; filename="weltgewebe-');
    expect(res.headers.get('x-export-count')).toBe('3');
    expect(res.headers.get('x-export-truncated')).toBe('false');
    expect(res.headers.get('link')).toContain('rel="license"');
    const doc = (await res.json()) as {
      type: string;
      license: string;
      truncated: boolean;
      limit: number;
      features: {
        id: string;
        geometry: { coordinates: [number, number] };
        properties: Record<string, unknown>;
      }[];
    };
    expect(doc.type).toBe('FeatureCollection');
    expect(doc.license).toBe('ODbL-1.0');
    expect(doc).toMatchObject({ truncated: false, limit: EXPORT_MAX_ROWS });
    expect(doc.features.map((f) => f.id).sort()).toEqual(
      [ids.garden!, ids.formula!, ids.event!].sort(),
    );
    const garden = doc.features.find((f) => f.id === ids.garden)!;
    expect(garden.geometry.coordinates).toEqual([10.1, 54.3]);
    expect(Object.keys(garden.properties).sort()).toEqual(
      [
        'address',
        'endsAt',
        'kind',
        'startsAt',
        'summary',
        'title',
        'topics',
        'updatedAt',
        'url',
      ].sort(),
    );
    expect(garden.properties.url).toBe(`http://localhost:8080/?knoten=${ids.garden}`);
  });

  test('a weavery export holds its area only; kind filters', async () => {
    const wide = await h.request('/export/nodes.geojson?bbox=9.9,54.2,10.3,54.7');
    expect(wide.headers.get('x-export-count')).toBe('4');
    const res = await h.request('/export/nodes.geojson?weavery=kiel');
    const doc = (await res.json()) as { features: { id: string }[] };
    expect(doc.features.map((f) => f.id)).not.toContain(ids.outside);
    expect(doc.features.length).toBe(3);
    const events = await h.request('/export/nodes.geojson?weavery=kiel&kind=event');
    expect(
      ((await events.json()) as { features: { id: string }[] }).features.map((f) => f.id),
    ).toEqual([ids.event!]);
  });

  test('CSV: licence line, header, RFC 4180 quoting and no formula a spreadsheet would run', async () => {
    const res = await h.request(`/export/nodes.csv?weavery=kiel`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toStartWith('text/csv');
    const text = await res.text();
    const [licence, header, ...rows] = parseCsv(text);
    expect(licence!.join(',')).toStartWith(
      '# Daten: © Weltgewebe-Mitwirkende, lizenziert unter ODbL-1.0',
    );
    expect(header).toEqual([
      'id',
      'kind',
      'title',
      'summary',
      'address',
      'topics',
      'lat',
      'lon',
      'starts_at',
      'ends_at',
      'updated_at',
      'url',
    ]);
    expect(rows.length).toBe(3);
    const byId = new Map(rows.map((r) => [r[0], r]));
    const garden = byId.get(ids.garden)!;
    expect(garden.slice(1, 8)).toEqual([
      'place',
      'Gemeinschaftsgarten, "Kiel-Süd"',
      'Beete\nund Kompost',
      'Südring 3; Kiel',
      'food nature',
      '54.300000',
      '10.100000',
    ]);
    const formula = byId.get(ids.formula)!;
    // A leading apostrophe makes spreadsheets show the text instead of running it.
    expect(formula[2]).toBe(`'=HYPERLINK("http://x.test")`);
    expect(formula[3]).toBe(`'@SUM(A1)`);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(byId.get(ids.event)!.slice(8, 10)).toEqual([
      '2026-12-12T14:00:00.000Z',
      '2026-12-12T17:30:00.000Z',
    ]);
  });

  test('iCal of a weavery: the event with UID, DTSTAMP, escaping and folded lines', async () => {
    const res = await h.request('/export/events.ics?weavery=kiel');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await res.text();
    // Every line ends in CRLF and holds at most 75 octets.
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    const physical = ics.split('\r\n').slice(0, -1);
    for (const line of physical) {
      expect(line).not.toContain('\n');
      expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    }
    expect(physical.some((l) => l.startsWith(' '))).toBe(true); // the long title was folded
    const lines = unfold(ics).split('\r\n');
    expect(lines.slice(0, 2)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0']);
    expect(lines).toContain('X-WR-CALNAME:Ortsweberei Kiel');
    expect(lines.filter((l) => l === 'BEGIN:VEVENT').length).toBe(1);
    expect(lines).toContain(`UID:knoten-${ids.event}@localhost:8080`);
    expect(lines).toContain('DTSTART:20261212T140000Z');
    expect(lines).toContain('DTEND:20261212T173000Z');
    expect(lines.find((l) => l.startsWith('DTSTAMP:'))).toMatch(/^DTSTAMP:\d{8}T\d{6}Z$/);
    expect(lines).toContain(
      'SUMMARY:Reparatur-Café\\; mit Kaffee\\, Kuchen und einem sehr langen Titel über 75 Bytes äöü',
    );
    expect(lines).toContain('LOCATION:Stadtteilhaus\\, Raum 2');
    expect(lines).toContain('GEO:54.310000;10.120000');
    expect(lines.find((l) => l.startsWith('X-WR-CALDESC:'))).toContain('ODbL-1.0');
  });

  test('no export shows a private location, a hidden or removed node, or who created a node', async () => {
    const urls = [
      `/export/nodes.geojson?bbox=${KIEL_BBOX}`,
      '/export/nodes.geojson?weavery=kiel',
      `/export/nodes.csv?bbox=${KIEL_BBOX}`,
      '/export/nodes.csv?weavery=kiel',
      '/export/events.ics?weavery=kiel',
      '/export/nodes.geojson?bbox=-180,-85,180,85',
      '/export/nodes.csv?bbox=-180,-85,180,85',
    ];
    for (const url of urls) {
      const body = await (await h.request(url)).text();
      for (const secret of [
        ids.hidden!,
        ids.removed!,
        'Versteckter Knoten',
        'Entfernter Knoten',
        accountId,
        // The private home to five decimals (about a metre), in any of the formats' spellings.
        PRIVATE.lat.toFixed(5),
        PRIVATE.lon.toFixed(5),
      ]) {
        expect({ url, leaked: body.includes(secret) ? secret : null }).toEqual({
          url,
          leaked: null,
        });
      }
    }
    // And no exported point lies within 100 m of the private home.
    const doc = (await (await h.request('/export/nodes.geojson?bbox=-180,-85,180,85')).json()) as {
      features: { geometry: { coordinates: [number, number] } }[];
    };
    for (const f of doc.features) {
      const [lon, lat] = f.geometry.coordinates;
      const dy = (lat - PRIVATE.lat) * 111_000;
      const dx = (lon - PRIVATE.lon) * 111_000 * Math.cos((lat * Math.PI) / 180);
      expect(Math.hypot(dx, dy)).toBeGreaterThan(100);
    }
  });

  test('bad requests get 400/404 JSON errors with stable codes', async () => {
    const cases: [string, number, string][] = [
      ['/export/nodes.geojson', 400, 'EXPORT_AREA_MISSING'],
      ['/export/nodes.csv?bbox=1,2,3,4&weavery=kiel', 400, 'EXPORT_AREA_MISSING'],
      ['/export/nodes.geojson?bbox=1,2,3', 400, 'INVALID_BBOX'],
      ['/export/nodes.geojson?bbox=a,b,c,d', 400, 'INVALID_BBOX'],
      ['/export/nodes.csv?bbox=10,60,11,50', 400, 'INVALID_BBOX'],
      ['/export/nodes.csv?bbox=190,0,200,10', 400, 'INVALID_BBOX'],
      ['/export/nodes.geojson?weavery=Not%20A%20Slug', 400, 'INVALID_WEAVERY_SLUG'],
      ['/export/nodes.geojson?weavery=kiel&kind=party', 400, 'INVALID_KIND'],
      ['/export/nodes.geojson?weavery=atlantis', 404, 'WEAVERY_NOT_FOUND'],
      ['/export/events.ics?weavery=atlantis', 404, 'WEAVERY_NOT_FOUND'],
      [`/export/events.ics?bbox=${KIEL_BBOX}`, 400, 'EXPORT_AREA_MISSING'],
    ];
    for (const [url, status, code] of cases) {
      const res = await h.request(url);
      const body = (await res.json()) as {
        error: { code: string; message: string; requestId: string };
      };
      expect({ url, status: res.status, code: body.error.code }).toEqual({ url, status, code });
      expect(body.error.message.length).toBeGreaterThan(5);
      expect(body.error.requestId).toBeTruthy();
    }
  });

  test(`an area with more nodes than the cap gives the first ${EXPORT_MAX_ROWS} and says so`, async () => {
    // Bulk rows straight into the database: 10,000 commands would take the rate limit hours.
    const owner = postgres(h.core.db.ownerUrl, { max: 1, onnotice: () => {} });
    try {
      await owner`
        INSERT INTO nodes (kind, title, location, h3_r3, h3_r5, h3_r7, h3_r9, created_by)
        SELECT 'place', 'Massenknoten ' || i,
               ST_SetSRID(ST_MakePoint(20 + (i % 100) * 0.0001, 40 + (i / 100) * 0.0001), 4326),
               0, 0, 0, 0, ${accountId}
        FROM generate_series(1, ${EXPORT_MAX_ROWS + 5}) AS i`;
    } finally {
      await owner.end();
    }
    const res = await h.request('/export/nodes.geojson?bbox=19.9,39.9,20.1,40.2');
    expect(res.headers.get('x-export-count')).toBe(String(EXPORT_MAX_ROWS));
    expect(res.headers.get('x-export-truncated')).toBe('true');
    const doc = (await res.json()) as { truncated: boolean; features: unknown[] };
    expect(doc.truncated).toBe(true);
    expect(doc.features.length).toBe(EXPORT_MAX_ROWS);
    const csv = await (await h.request('/export/nodes.csv?bbox=19.9,39.9,20.1,40.2')).text();
    const rows = parseCsv(csv);
    expect(rows[0]!.join(',')).toContain(`gekürzt auf die ersten ${EXPORT_MAX_ROWS} Knoten`);
    expect(rows.length).toBe(EXPORT_MAX_ROWS + 2);
  }, 60_000);
});
