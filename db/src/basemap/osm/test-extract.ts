// Writes a small OpenStreetMap extract (.osm XML) around a known point in Hamburg's centre:
// named streets, a river (line and water area), a park, a building with a house number, a row
// of small terraced houses and a café. Tests and the e2e stack import it with the real
// osm2pgsql to see streets on the map.
import { writeFileSync } from 'node:fs';

/** The centre of z15 tile 17293/10590 (Hamburg, by the Rathaus). */
export const TEST_EXTRACT_CENTER = (() => {
  const z = 15;
  const x = 17293 + 0.5;
  const y = 10590 + 0.5;
  const n = 2 ** z;
  const lon = (x / n) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;
  return { lat, lon };
})();

export const TEST_EXTRACT = {
  center: TEST_EXTRACT_CENTER,
  /** Where the building with the house number stands (north of the centre). */
  house: { lat: TEST_EXTRACT_CENTER.lat + 0.00085, lon: TEST_EXTRACT_CENTER.lon },
  streets: ['Gewebestraße', 'Knotenweg'],
  primary: 'Fadenallee',
  river: 'Teststromfluss',
  park: 'Garnpark',
  housenumber: '17',
  poi: 'Café Masche',
  /**
   * A row of small houses a metre apart, west of the centre's z15 tile but in its z14 parent:
   * each too small for z14 on its own, together one block there.
   */
  row: {
    houses: 6,
    west: TEST_EXTRACT_CENTER.lon - 0.01,
    south: TEST_EXTRACT_CENTER.lat,
    /** One house's width and depth in degrees (about 3.3 m × 5.5 m), and the gap (0.7 m). */
    width: 0.00005,
    depth: 0.00005,
    gap: 0.00001,
  },
} as const;

interface Way {
  tags: Record<string, string>;
  points: Array<[number, number]>;
  closed?: boolean;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/>/g, '&gt;');

/** Offsets in degrees from the centre; a z15 tile here is ~0.011° wide and ~0.0065° high. */
export function testExtractXml(): string {
  const { lat, lon } = TEST_EXTRACT_CENTER;
  const at = (dlon: number, dlat: number): [number, number] => [lon + dlon, lat + dlat];
  const box = (x0: number, y0: number, x1: number, y1: number) => [
    at(x0, y0),
    at(x1, y0),
    at(x1, y1),
    at(x0, y1),
  ];
  const ways: Way[] = [
    {
      tags: { highway: 'residential', name: TEST_EXTRACT.streets[0] },
      points: [at(-0.004, 0.0004), at(0, 0.0004), at(0.004, 0.0004)],
    },
    {
      tags: { highway: 'residential', name: TEST_EXTRACT.streets[1] },
      points: [at(0.0012, -0.0012), at(0.0012, 0.0004), at(0.0012, 0.0022)],
    },
    {
      tags: { highway: 'primary', name: TEST_EXTRACT.primary, ref: 'B 4' },
      points: [at(-0.004, -0.0008), at(0.004, -0.0008)],
    },
    { tags: { highway: 'footway' }, points: [at(-0.001, 0.0012), at(-0.001, 0.002)] },
    {
      tags: { waterway: 'river', name: TEST_EXTRACT.river },
      points: [at(-0.005, -0.0022), at(0, -0.0021), at(0.005, -0.0022)],
    },
    {
      tags: { natural: 'water', water: 'river', name: TEST_EXTRACT.river },
      points: box(-0.005, -0.0027, 0.005, -0.0016),
      closed: true,
    },
    {
      tags: { leisure: 'park', name: TEST_EXTRACT.park },
      points: box(-0.0035, 0.0008, -0.0015, 0.002),
      closed: true,
    },
    {
      tags: {
        building: 'yes',
        'addr:housenumber': TEST_EXTRACT.housenumber,
        'addr:street': TEST_EXTRACT.streets[0],
      },
      points: box(-0.0004, 0.0006, 0.0004, 0.0011),
      closed: true,
    },
    { tags: { railway: 'rail' }, points: [at(-0.005, 0.0028), at(0.005, 0.0028)] },
  ];
  const row = TEST_EXTRACT.row;
  for (let i = 0; i < row.houses; i++) {
    const x0 = row.west - lon + i * (row.width + row.gap);
    const y0 = row.south - lat;
    ways.push({
      tags: { building: 'house' },
      points: box(x0, y0, x0 + row.width, y0 + row.depth),
      closed: true,
    });
  }
  const nodes: string[] = [];
  const wayXml: string[] = [];
  let nodeId = 1;
  ways.forEach((w, i) => {
    const refs = w.points.map(([x, y]) => {
      nodes.push(
        `  <node id="${nodeId}" version="1" lat="${y.toFixed(7)}" lon="${x.toFixed(7)}"/>`,
      );
      return nodeId++;
    });
    if (w.closed) refs.push(refs[0]!);
    wayXml.push(
      `  <way id="${i + 1}" version="1">\n${refs.map((r) => `    <nd ref="${r}"/>`).join('\n')}\n${Object.entries(
        w.tags,
      )
        .map(([k, v]) => `    <tag k="${esc(k)}" v="${esc(v)}"/>`)
        .join('\n')}\n  </way>`,
    );
  });
  const [cx, cy] = at(0.0025, 0.001);
  nodes.push(
    `  <node id="${nodeId++}" version="1" lat="${cy.toFixed(7)}" lon="${cx.toFixed(7)}">\n    <tag k="amenity" v="cafe"/>\n    <tag k="name" v="${esc(TEST_EXTRACT.poi)}"/>\n  </node>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="weltgewebe-test">\n${nodes.join('\n')}\n${wayXml.join('\n')}\n</osm>\n`;
}

export function writeTestExtract(path: string): string {
  writeFileSync(path, testExtractXml());
  return path;
}
