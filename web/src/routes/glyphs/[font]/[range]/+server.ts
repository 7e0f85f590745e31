// GET /glyphs/{font}/{start}-{end}.pbf — the self-hosted SDF glyphs MapLibre needs for text
// along lines (street and river names), built from DejaVu Sans at build time (prerendered:
// a range takes seconds to compute, then it is a static file).
import { error } from '@sveltejs/kit';
import { GLYPH_FONT, GLYPH_RANGES, glyphRange } from '$lib/server/glyphs';
import type { EntryGenerator, RequestHandler } from './$types';

export const prerender = true;
export const entries: EntryGenerator = () =>
  GLYPH_RANGES.map((range) => ({ font: GLYPH_FONT, range: `${range}.pbf` }));

export const GET: RequestHandler = ({ params }) => {
  const range = /^(\d+-\d+)\.pbf$/.exec(params.range)?.[1];
  // MapLibre asks for the comma-joined font stack; we have one font.
  const fonts = params.font.split(',');
  if (!range || !fonts.includes(GLYPH_FONT)) error(404, 'no such glyph range');
  const bytes = glyphRange(range);
  if (!bytes) error(404, 'no such glyph range');
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      'content-type': 'application/x-protobuf',
      // Glyphs change only with a deploy.
      'cache-control': 'public, max-age=86400, stale-while-revalidate=604800',
    },
  });
};
