// The links a person shares: a node, a weavery or a map view that opens exactly there, the embed
// page of an area or weavery with its iframe snippet, and the export downloads. Pure, so the
// server (Open Graph) and the browser (share box) build the same addresses.

/** A shared link's card (Open Graph / Twitter), built on the server. */
export interface ShareMeta {
  title: string;
  description: string;
  url: string;
  /** The node id or weavery slug the card describes, or null for the site's own card. */
  subject: string | null;
}

/** [west, south, east, north] in degrees. */
export type Box = [number, number, number, number];

/** What an embedded map shows: a box or a weavery. */
export type EmbedArea = { bbox: Box } | { weavery: string };

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

export const nodeLink = (origin: string, id: string, hash = '') =>
  `${origin}/?knoten=${encodeURIComponent(id)}${hash}`;

export const weaveryLink = (origin: string, slug: string) =>
  `${origin}/w/${encodeURIComponent(slug)}`;

const boxParam = (b: Box) => b.map((v) => Number(v.toFixed(5))).join(',');

function areaQuery(area: EmbedArea): string {
  return 'weavery' in area
    ? `weavery=${encodeURIComponent(area.weavery)}`
    : `bbox=${boxParam(area.bbox)}`;
}

export const embedLink = (origin: string, area: EmbedArea) => `${origin}/embed?${areaQuery(area)}`;

const attr = (v: string) =>
  v.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

/** The snippet another site pastes: a lazy, borderless, responsive read-only map. */
export function iframeSnippet(src: string, title: string): string {
  return `<iframe src="${attr(src)}" title="${attr(title)}" width="100%" height="420" style="border:0" loading="lazy" referrerpolicy="strict-origin-when-cross-origin"></iframe>`;
}

/** Downloads of an area's nodes (and a weavery's events). */
export function exportLinks(area: EmbedArea) {
  const q = areaQuery(area);
  return {
    geojson: `/export/nodes.geojson?${q}`,
    csv: `/export/nodes.csv?${q}`,
    ics: 'weavery' in area ? `/export/events.ics?${q}` : null,
  };
}

/** The embed page's area from its query, or null when it names none (or a broken one). */
export function parseEmbedArea(params: URLSearchParams): EmbedArea | null {
  const weavery = params.get('weavery');
  const bbox = params.get('bbox');
  if (weavery !== null && bbox === null) return SLUG.test(weavery) ? { weavery } : null;
  if (bbox === null || weavery !== null) return null;
  const parts = bbox.split(',');
  if (parts.length !== 4 || !parts.every((p) => NUMBER.test(p))) return null;
  const [w, s, e, n] = parts.map(Number) as Box;
  const lonOk = (v: number) => v >= -180 && v <= 180;
  const latOk = (v: number) => v >= -85.06 && v <= 85.06;
  if (!lonOk(w) || !lonOk(e) || !latOk(s) || !latOk(n) || s >= n || w === e) return null;
  return { bbox: [w, s, e, n] };
}

/** A box of about `km` kilometres around a point (for a node's embed and preview). */
export function boxAround(lat: number, lon: number, km = 1.5): Box {
  const dLat = km / 2 / 111;
  const dLon = km / 2 / (111 * Math.max(0.05, Math.cos((lat * Math.PI) / 180)));
  const clampLat = (v: number) => Math.max(-85, Math.min(85, v));
  const clampLon = (v: number) => Math.max(-180, Math.min(180, v));
  return [clampLon(lon - dLon), clampLat(lat - dLat), clampLon(lon + dLon), clampLat(lat + dLat)];
}
