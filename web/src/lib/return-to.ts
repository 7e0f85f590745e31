// Where to go after signing in: only same-origin paths, and only in a form that can stand in a
// Location header as it is. Anything odd (another host, control characters, %-escapes that do
// not decode) starts over at the map rather than failing the sign-in.

/** Resolves paths without letting them leave it; never shown to anyone. */
const BASE = 'http://return-to.invalid';

export function safeReturnTo(value: string | null | undefined): string {
  if (!value) return '/';
  // "/x" is fine; "//host", "/\host" and anything with control characters could leave the site.
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f || char === '\\') return '/';
  }
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  // A path whose %-escapes do not decode names no page (and breaks routers downstream).
  try {
    decodeURIComponent(url.pathname);
  } catch {
    return '/';
  }
  // The URL parser %-encodes what a header may not hold ("/€" becomes "/%E2%82%AC").
  const canonical = `${url.pathname}${url.search}${url.hash}`;
  return /^\/[\x21-\x7e]*$/.test(canonical) ? canonical : '/';
}

export function loginHref(returnTo: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`;
}
