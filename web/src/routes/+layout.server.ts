// Hands the signed-in person (never a token), the interface language and any one-shot notice
// to every page.
import { pickLocale } from '$lib/i18n/locale';
import { takeFlash } from '$lib/server/session-cookies';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, cookies, setHeaders, request }) => {
  // Pages differ per person: keep them out of shared caches.
  setHeaders({ 'cache-control': 'private, no-store' });
  return {
    user: locals.user,
    flash: takeFlash(cookies),
    lang: pickLocale(cookies.get('wg_lang'), request.headers.get('accept-language')),
  };
};
