// The map page's server part: the Open Graph card of a shared link (?knoten=<id>), read once
// when the page is rendered. Selecting nodes later is shallow routing and never comes back here.
import { pickLocale } from '$lib/i18n/locale';
import { nodeMeta } from '$lib/server/share-meta';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals, request, cookies }) => {
  const locale = pickLocale(cookies.get('wg_lang'), request.headers.get('accept-language'));
  return {
    share: await nodeMeta(url.searchParams.get('knoten'), {
      requestId: locals.requestId,
      forwardedFor: request.headers.get('x-forwarded-for'),
      locale,
    }),
  };
};
