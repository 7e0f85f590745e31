// Is a state-changing request one our own pages made? SvelteKit checks the Origin of form
// posts only; these checks also cover fetch() and plain navigations.

/** POST and friends: the Origin (or, without one, the Referer) must be our own origin. */
export function fromOurOrigin(request: Request, ourOrigin: string): boolean {
  const origin = request.headers.get('origin');
  if (origin) return origin === ourOrigin;
  const referer = request.headers.get('referer');
  if (!referer || !URL.canParse(referer)) return false;
  return new URL(referer).origin === ourOrigin;
}

/**
 * A GET navigation that changes state (the logout link): refused when the browser says it
 * started on another site (Sec-Fetch-Site cross-site or same-site, e.g. an <img> or link
 * elsewhere). Typed URLs and bookmarks say "none"; browsers without the header pass.
 */
export function navigationFromOurSite(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  return site === null || site === 'same-origin' || site === 'none';
}
