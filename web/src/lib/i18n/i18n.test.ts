import { describe, expect, test } from 'bun:test';
import { pickLocale } from './locale';
import { de, en } from './messages';

describe('dictionaries', () => {
  test('English has every German key and keeps the placeholders', () => {
    for (const [key, german] of Object.entries(de)) {
      const english = en[key as keyof typeof de];
      expect(english, key).toBeString();
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(english), key).toEqual(names(german));
    }
  });
});

describe('pickLocale', () => {
  test('the toggle (cookie) wins, then the browser, then German', () => {
    expect(pickLocale('en', 'de-DE,de;q=0.9')).toBe('en');
    expect(pickLocale(undefined, 'en-GB,en;q=0.9,de;q=0.8')).toBe('en');
    expect(pickLocale(undefined, 'fr-FR,de;q=0.5,en;q=0.4')).toBe('de');
    expect(pickLocale(undefined, 'fr-FR,it;q=0.5')).toBe('de');
    expect(pickLocale('xx', null)).toBe('de');
  });
});
