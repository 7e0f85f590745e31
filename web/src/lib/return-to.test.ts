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

  test('loginHref encodes the return path', () => {
    expect(loginHref('/#5.50/51.2/10.4')).toBe('/auth/login?returnTo=%2F%235.50%2F51.2%2F10.4');
    expect(loginHref('//evil.example')).toBe('/auth/login?returnTo=%2F');
  });
});
