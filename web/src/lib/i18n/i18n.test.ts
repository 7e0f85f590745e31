import { describe, expect, test } from 'bun:test';
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
