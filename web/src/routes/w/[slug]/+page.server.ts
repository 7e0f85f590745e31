// A weavery page's server part: its Open Graph card (name, what it is), for shared links.
import { pickLocale } from '$lib/i18n/locale';
import { weaveryMeta } from '$lib/server/share-meta';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals, request, cookies }) => {
  const locale = pickLocale(cookies.get('wg_lang'), request.headers.get('accept-language'));
  return {
    share: await weaveryMeta(params.slug, {
      requestId: locals.requestId,
      forwardedFor: request.headers.get('x-forwarded-for'),
      locale,
    }),
  };
};
