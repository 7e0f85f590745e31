// The offline store's bounds: by count and by bytes, the least recently used leaves first.
import { describe, expect, test } from 'bun:test';
import { LruIndex } from './lru-index';

describe('LruIndex', () => {
  test('over the count, the least recently used is dropped — a hit keeps an entry', () => {
    const index = new LruIndex({ maxEntries: 3, maxBytes: 1_000 });
    index.put('a', 1);
    index.put('b', 1);
    index.put('c', 1);
    index.touch('a');
    expect(index.put('d', 1)).toEqual(['b']);
    expect(index.put('e', 1)).toEqual(['c']);
    expect(index.has('a')).toBe(true);
    expect(index.size).toBe(3);
  });

  test('over the bytes, as many old entries go as needed', () => {
    const index = new LruIndex({ maxEntries: 100, maxBytes: 100 });
    index.put('a', 40);
    index.put('b', 40);
    index.put('c', 10);
    expect(index.put('d', 70)).toEqual(['a', 'b']);
    expect(index.bytes).toBe(80);
  });

  test('storing a key again replaces its size and makes it the newest', () => {
    const index = new LruIndex({ maxEntries: 2, maxBytes: 100 });
    index.put('a', 50);
    index.put('b', 10);
    index.put('a', 20);
    expect(index.bytes).toBe(30);
    expect(index.put('c', 1)).toEqual(['b']);
  });

  test('one entry larger than the limit is kept alone rather than dropped at once', () => {
    const index = new LruIndex({ maxEntries: 10, maxBytes: 100 });
    index.put('a', 10);
    expect(index.put('huge', 500)).toEqual(['a']);
    expect(index.has('huge')).toBe(true);
  });

  test('removing and clearing keep the byte count right', () => {
    const index = new LruIndex({ maxEntries: 10, maxBytes: 100 });
    index.put('a', 10);
    index.put('b', 20);
    index.remove('a');
    index.remove('missing');
    expect(index.bytes).toBe(20);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.bytes).toBe(0);
  });
});
