import { describe, expect, test } from 'bun:test';
import { allowFormActionTo, allowFramingByAnyone } from './csp';

const issuer = 'https://auth.weltgewebe.example.org';

describe('allowFormActionTo', () => {
  test("adds the issuer origin to form-action 'self' and leaves every other directive alone", () => {
    const policy =
      "default-src 'self'; script-src 'self' 'nonce-abc'; form-action 'self'; frame-ancestors 'none'";
    expect(allowFormActionTo(policy, issuer)).toBe(
      `default-src 'self'; script-src 'self' 'nonce-abc'; form-action 'self' ${issuer}; frame-ancestors 'none'`,
    );
  });

  test('is idempotent', () => {
    const once = allowFormActionTo("form-action 'self'", issuer);
    expect(allowFormActionTo(once, issuer)).toBe(once);
  });

  test("replaces 'none' rather than sit beside it", () => {
    expect(allowFormActionTo("form-action 'none'", issuer)).toBe(`form-action 'self' ${issuer}`);
  });

  test('a policy without form-action is not narrowed', () => {
    expect(allowFormActionTo("default-src 'self'", issuer)).toBe("default-src 'self'");
  });
});

describe('allowFramingByAnyone', () => {
  test("swaps frame-ancestors 'none' for * and keeps every other directive", () => {
    const policy =
      "default-src 'self'; script-src 'self' 'nonce-abc'; frame-ancestors 'none'; object-src 'none'";
    expect(allowFramingByAnyone(policy)).toBe(
      "default-src 'self'; script-src 'self' 'nonce-abc'; object-src 'none'; frame-ancestors *",
    );
  });
});
