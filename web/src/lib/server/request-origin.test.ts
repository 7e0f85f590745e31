import { describe, expect, test } from 'bun:test';
import { fromOurOrigin } from './request-origin';

const ours = 'https://weltgewebe.example.org';
const post = (headers: Record<string, string>) =>
  new Request(`${ours}/auth/refresh`, { method: 'POST', headers });

describe('fromOurOrigin', () => {
  test('accepts our Origin, or our Referer when there is no Origin', () => {
    expect(fromOurOrigin(post({ origin: ours }), ours)).toBe(true);
    expect(fromOurOrigin(post({ referer: `${ours}/#12/53.5/10` }), ours)).toBe(true);
  });

  test('refuses another origin, a look-alike, "null" and a request without either header', () => {
    expect(fromOurOrigin(post({ origin: 'https://evil.example' }), ours)).toBe(false);
    expect(fromOurOrigin(post({ origin: `${ours}.evil.example` }), ours)).toBe(false);
    expect(fromOurOrigin(post({ origin: 'http://weltgewebe.example.org' }), ours)).toBe(false);
    expect(fromOurOrigin(post({ origin: 'null' }), ours)).toBe(false);
    expect(
      fromOurOrigin(
        post({ referer: 'https://evil.example/?https://weltgewebe.example.org' }),
        ours,
      ),
    ).toBe(false);
    expect(fromOurOrigin(post({ referer: 'not a url' }), ours)).toBe(false);
    expect(fromOurOrigin(post({}), ours)).toBe(false);
  });

  test('Origin wins over a matching Referer', () => {
    expect(fromOurOrigin(post({ origin: 'https://evil.example', referer: `${ours}/` }), ours)).toBe(
      false,
    );
  });
});
