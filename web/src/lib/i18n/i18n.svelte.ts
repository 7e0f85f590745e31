// The current language and `t()`. German is the default; English comes from the browser's
// language or the toggle (remembered in the `wg_lang` cookie so the server renders it too).
import type { Locale } from './locale';
import { de, en, type MessageKey } from './messages';

export type { Locale } from './locale';

const dictionaries: Record<Locale, Record<MessageKey, string>> = { de, en };

export const i18n = $state<{ locale: Locale }>({ locale: 'de' });

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = dictionaries[i18n.locale][key] ?? de[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

export function setLocale(locale: Locale): void {
  i18n.locale = locale;
  if (typeof document === 'undefined') return;
  document.documentElement.lang = locale;
  // biome-ignore lint/suspicious/noDocumentCookie: a plain language preference the server reads on the next page load; cookieStore is not in every browser we support.
  document.cookie = `wg_lang=${locale}; path=/; max-age=31536000; samesite=lax`;
}

/** Numbers and dates in the interface's language. */
export function formatNumber(value: number): string {
  return value.toLocaleString(i18n.locale === 'de' ? 'de-DE' : 'en-GB');
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(i18n.locale === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}
