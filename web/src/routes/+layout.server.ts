// Hands the signed-in person (never a token) and any one-shot notice to every page.
import { takeFlash } from '$lib/server/session-cookies';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, cookies, setHeaders }) => {
  // Pages differ per person: keep them out of shared caches.
  setHeaders({ 'cache-control': 'private, no-store' });
  return { user: locals.user, flash: takeFlash(cookies) };
};
