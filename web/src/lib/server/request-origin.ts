// Is a state-changing request one our own pages made? SvelteKit checks the Origin of form
// posts only; this check also covers fetch() with any body (or none).

/** POST and friends: the Origin (or, without one, the Referer) must be our own origin. */
export function fromOurOrigin(request: Request, ourOrigin: string): boolean {
  const origin = request.headers.get('origin');
  if (origin) return origin === ourOrigin;
  const referer = request.headers.get('referer');
  if (!referer || !URL.canParse(referer)) return false;
  return new URL(referer).origin === ourOrigin;
}
