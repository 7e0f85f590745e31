// The embed page's server part: which area it shows (a box or a weavery, checked here so that a
// broken snippet says so at once) and the weavery's name for its title.
import { error } from '@sveltejs/kit';
import { edgeClient } from '$lib/server/edge-client';
import { parseEmbedArea } from '$lib/share/share-links';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals, request }) => {
  const area = parseEmbedArea(url.searchParams);
  if (!area) error(400, 'EMBED_AREA_INVALID');
  if (!('weavery' in area)) return { area, name: null, bbox: area.bbox };
  try {
    const w = await edgeClient(
      locals.requestId,
      request.headers.get('x-forwarded-for'),
    ).weaveries.byId.query({ slug: area.weavery });
    return { area, name: w.name, bbox: w.bbox };
  } catch (caught) {
    if ((caught as { data?: { code?: string } })?.data?.code === 'NOT_FOUND') {
      error(404, 'WEAVERY_NOT_FOUND');
    }
    throw caught;
  }
};
