import { describe, expect, test } from 'bun:test';
import { loginHref, safeReturnTo } from './return-to';

describe('safeReturnTo', () => {
  test('keeps same-origin paths with query and map hash', () => {
    expect(safeReturnTo('/')).toBe('/');
    expect(safeReturnTo('/#12.00/51.2000/10.4000')).toBe('/#12.00/51.2000/10.4000');
    expect(safeReturnTo('/knoten?x=1')).toBe('/knoten?x=1');
  });

  test('refuses anything that could leave the site', () => {
    for (const bad of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
      '/a\nb',
      '/a\\b',
      '',
      null,
      undefined,
    ]) {
      expect(safeReturnTo(bad)).toBe('/');
    }
  });

  test('non-ASCII paths come back %-encoded, ready for a Location header', () => {
    expect(safeReturnTo('/€')).toBe('/%E2%82%AC');
    expect(safeReturnTo('/w/münchen?q=Gärten#12/48.1/11.5')).toBe(
      '/w/m%C3%BCnchen?q=G%C3%A4rten#12/48.1/11.5',
    );
    expect(safeReturnTo('/%E2%82%AC')).toBe('/%E2%82%AC');
    expect(safeReturnTo('/a b')).toBe('/a%20b');
  });

  test('%-escapes that do not decode start over at the map', () => {
    for (const odd of ['/%E2%82', '/%ZZ', '/%', '/x/%C3', '/a%']) {
      expect({ odd, result: safeReturnTo(odd) }).toEqual({ odd, result: '/' });
    }
  });

  test('whatever comes in, what goes out is a same-origin path a header can hold', () => {
    for (const odd of ['/\u2028x', '/\ud800', '/ä/ö?ü=ß#€', '/%2F%2Fevil.example', '/a/../../b']) {
      expect(safeReturnTo(odd)).toMatch(/^\/(?!\/)[\x21-\x7e]*$/);
    }
    expect(safeReturnTo('/a/../../b')).toBe('/b');
  });

  test('loginHref encodes the return path', () => {
    expect(loginHref('/#5.50/51.2/10.4')).toBe('/auth/login?returnTo=%2F%235.50%2F51.2%2F10.4');
    expect(loginHref('//evil.example')).toBe('/auth/login?returnTo=%2F');
  });
});
