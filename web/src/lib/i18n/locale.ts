// Which language to speak: pure, shared by the server (first render) and the browser.
export type Locale = 'de' | 'en';
export const locales: readonly Locale[] = ['de', 'en'];

/** A cookie value first, else the first of the browser's languages we speak; German otherwise. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | null): Locale {
  if (cookie === 'de' || cookie === 'en') return cookie;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (tag.startsWith('de')) return 'de';
    if (tag.startsWith('en')) return 'en';
  }
  return 'de';
}
