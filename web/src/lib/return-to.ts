// Where to go after signing in: only same-origin relative paths are accepted.
export function safeReturnTo(value: string | null | undefined): string {
  if (!value) return '/';
  // "/x" is fine; "//host", "/\host" and anything with control characters could leave the site.
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f || char === '\\') return '/';
  }
  return value;
}

export function loginHref(returnTo: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`;
}
