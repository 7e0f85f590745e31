// Exports of the public map (GeoJSON, CSV, iCal): what may be asked for, the cap, the licence,
// and the pure formatting (CSV escaping, RFC 5545 text). No I/O here, so every rule is unit-tested.
import type { NodeListItem } from '@weltgewebe/db/dto';
import { NODE_KINDS, type NodeKind } from '@weltgewebe/events/domain';
import { ApiError } from '@weltgewebe/kit';

/** Rows in one export at most; a larger area says so (header, GeoJSON member, CSV line). */
export const EXPORT_MAX_ROWS = 10_000;

/**
 * The project's data licence. The repository names none for its data, so exports carry the
 * usual one for community map data: the Open Database License 1.0 (as OpenStreetMap does).
 */
export const DATA_LICENCE = {
  id: 'ODbL-1.0',
  url: 'https://opendatacommons.org/licenses/odbl/1-0/',
  attribution: 'Weltgewebe-Mitwirkende',
} as const;

export const LICENCE_LINE = `Daten: © ${DATA_LICENCE.attribution}, lizenziert unter ${DATA_LICENCE.id} (${DATA_LICENCE.url})`;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** An export's area: a box (west > east crosses the antimeridian) or a weavery by slug. */
export type ExportArea =
  | { by: 'bbox'; west: number; south: number; east: number; north: number }
  | { by: 'weavery'; slug: string };

export interface ExportQuery {
  area: ExportArea;
  kinds: NodeKind[];
}

const bad = (code: string, message: string) => new ApiError(code, 'BAD_REQUEST', message);

/** `bbox=w,s,e,n` or `weavery=slug` (exactly one), optionally `kind=a,b`. */
export function parseExportQuery(params: URLSearchParams, only?: 'weavery'): ExportQuery {
  const bbox = params.get('bbox');
  const weavery = params.get('weavery');
  if (only === 'weavery') {
    if (weavery === null || bbox !== null) {
      throw bad('EXPORT_AREA_MISSING', 'Bitte eine Ortsweberei angeben: ?weavery=<kurzname>.');
    }
  } else if ((bbox === null) === (weavery === null)) {
    throw bad(
      'EXPORT_AREA_MISSING',
      'Bitte genau ein Gebiet angeben: ?bbox=west,süd,ost,nord oder ?weavery=<kurzname>.',
    );
  }
  const kinds = parseKinds(params.get('kind'));
  if (weavery !== null) {
    if (!SLUG.test(weavery)) throw bad('INVALID_WEAVERY_SLUG', 'Ungültiger Kurzname.');
    return { area: { by: 'weavery', slug: weavery }, kinds };
  }
  return { area: { by: 'bbox', ...parseBBox(bbox!) }, kinds };
}

function parseBBox(text: string) {
  const parts = text.split(',');
  const numbers = parts.map((p) => (/^\s*-?\d+(\.\d+)?\s*$/.test(p) ? Number(p) : Number.NaN));
  const [west, south, east, north] = numbers;
  if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) {
    throw bad('INVALID_BBOX', 'bbox braucht vier Zahlen: west,süd,ost,nord.');
  }
  const lonOk = (v: number) => v >= -180 && v <= 180;
  const latOk = (v: number) => v >= -85.06 && v <= 85.06;
  if (!lonOk(west!) || !lonOk(east!) || !latOk(south!) || !latOk(north!)) {
    throw bad('INVALID_BBOX', 'bbox außerhalb der Welt (Länge ±180, Breite ±85).');
  }
  if (south! > north!) throw bad('INVALID_BBOX', 'Süden liegt nördlich von Norden.');
  return { west: west!, south: south!, east: east!, north: north! };
}

function parseKinds(text: string | null): NodeKind[] {
  if (text === null || text === '') return [];
  const kinds = [...new Set(text.split(','))];
  for (const k of kinds) {
    if (!(NODE_KINDS as readonly string[]).includes(k)) {
      throw bad('INVALID_KIND', `Unbekannte Art „${k}“ (erlaubt: ${NODE_KINDS.join(', ')}).`);
    }
  }
  return kinds as NodeKind[];
}

/**
 * The public fields of one exported node: what the map and its detail sheet show anyone (the
 * list DTO, with its dates as dates).
 */
export type ExportNode = Omit<NodeListItem, 'startsAt' | 'endsAt' | 'createdAt' | 'updatedAt'> & {
  startsAt: Date | null;
  endsAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** Link that opens the node on the map. */
export const nodeLink = (origin: string, id: string) => `${origin}/?knoten=${id}`;

export const CSV_COLUMNS = [
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
] as const;

/**
 * One CSV field (RFC 4180 quoting). A text that a spreadsheet would run as a formula (starts
 * with = + - @, or a tab/CR that some programs strip before looking) gets a leading apostrophe,
 * the OWASP advice against CSV injection; numbers are written by us and never pass here.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(node: ExportNode, origin: string): string {
  return [
    csvField(node.id),
    csvField(node.kind),
    csvField(node.title),
    csvField(node.summary),
    csvField(node.address),
    csvField(node.topics.join(' ')),
    node.lat.toFixed(6),
    node.lon.toFixed(6),
    node.startsAt?.toISOString() ?? '',
    node.endsAt?.toISOString() ?? '',
    node.updatedAt.toISOString(),
    csvField(nodeLink(origin, node.id)),
  ].join(',');
}

export function geoJsonFeature(node: ExportNode, origin: string) {
  return {
    type: 'Feature' as const,
    id: node.id,
    // RFC 7946: longitude first; six decimals are about 0.1 m.
    geometry: { type: 'Point' as const, coordinates: [round6(node.lon), round6(node.lat)] },
    properties: {
      kind: node.kind,
      title: node.title,
      summary: node.summary,
      address: node.address,
      topics: node.topics,
      startsAt: node.startsAt?.toISOString() ?? null,
      endsAt: node.endsAt?.toISOString() ?? null,
      updatedAt: node.updatedAt.toISOString(),
      url: nodeLink(origin, node.id),
    },
  };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

// ---- iCalendar (RFC 5545) ----

/** TEXT value escaping (3.3.11): backslash, semicolon, comma, and newlines as `\n`. */
export function icalText(value: string): string {
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll(';', '\\;')
    .replaceAll(',', '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

const encoder = new TextEncoder();

/**
 * Folds one content line (3.1): at most 75 octets per line, continuation lines start with a
 * space; never splits a UTF-8 character. Ends with CRLF.
 */
export function icalLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    // The first line holds 75 octets, continuation lines 74 after their leading space.
    const room = out.length === 0 ? 75 : 74;
    if (octets + size > room) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return `${out.join('\r\n ')}\r\n`;
}

/** UTC DATE-TIME form 2: 20261202T135415Z. */
export function icalDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function icalHeader(calendarName: string, host: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:-//Weltgewebe//Export ${host}//DE`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${icalText(calendarName)}`,
    `X-WR-CALDESC:${icalText(LICENCE_LINE)}`,
  ]
    .map(icalLine)
    .join('');
}

export const ICAL_FOOTER = icalLine('END:VCALENDAR');

/** One event node as a VEVENT; the UID stays the same across exports, so calendars update it. */
export function icalEvent(node: ExportNode, origin: string, host: string): string {
  const link = nodeLink(origin, node.id);
  const description = [node.summary, link].filter(Boolean).join('\n\n');
  const lines = [
    'BEGIN:VEVENT',
    `UID:knoten-${node.id}@${host}`,
    `DTSTAMP:${icalDate(node.updatedAt)}`,
    `LAST-MODIFIED:${icalDate(node.updatedAt)}`,
    `SEQUENCE:${node.version - 1}`,
    `DTSTART:${icalDate(node.startsAt!)}`,
    ...(node.endsAt ? [`DTEND:${icalDate(node.endsAt)}`] : []),
    `SUMMARY:${icalText(node.title)}`,
    `DESCRIPTION:${icalText(description)}`,
    ...(node.address ? [`LOCATION:${icalText(node.address)}`] : []),
    `GEO:${node.lat.toFixed(6)};${node.lon.toFixed(6)}`,
    ...(node.topics.length ? [`CATEGORIES:${node.topics.map(icalText).join(',')}`] : []),
    `URL:${link}`,
    'END:VEVENT',
  ];
  return lines.map(icalLine).join('');
}
