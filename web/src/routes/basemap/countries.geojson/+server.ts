// GET /basemap/countries.geojson — land and country borders for the self-hosted basemap.
import { basemapGeoJson } from '$lib/server/basemap';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = ({ request }) => {
  const { body, gzip, etag } = basemapGeoJson();
  const headers = new Headers({
    'content-type': 'application/geo+json',
    // The data only changes with a deploy; a day fresh, then revalidated by ETag.
    'cache-control': 'public, max-age=86400, stale-while-revalidate=604800',
    etag,
    vary: 'accept-encoding',
  });
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === etag)) {
    return new Response(null, { status: 304, headers });
  }
  if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
    headers.set('content-encoding', 'gzip');
    return new Response(gzip, { headers });
  }
  return new Response(body, { headers });
};
