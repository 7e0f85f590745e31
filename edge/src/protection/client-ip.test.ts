// Whose address counts: X-Forwarded-For only through a trusted proxy.
import { describe, expect, test } from 'bun:test';
import { clientIp, isTrusted, parseTrustedProxies } from './client-ip.ts';

describe('client IP', () => {
  const caddy = parseTrustedProxies(['127.0.0.1', '::1', '172.16.0.0/12']);

  test('a trusted proxy names the client in X-Forwarded-For', () => {
    expect(clientIp('127.0.0.1', '203.0.113.7', caddy)).toBe('203.0.113.7');
    expect(clientIp('::ffff:172.18.0.5', '198.51.100.2, 172.18.0.9', caddy)).toBe('198.51.100.2');
    expect(clientIp('::1', '2001:db8::1', caddy)).toBe('2001:db8::1');
  });

  test('anyone else: the socket address, whatever the header claims', () => {
    expect(clientIp('203.0.113.7', '10.0.0.1', caddy)).toBe('203.0.113.7');
    expect(clientIp('192.168.1.4', null, caddy)).toBe('192.168.1.4');
  });

  test('a spoofed left part of the header does not help', () => {
    // The client wrote "1.2.3.4" itself; Caddy appended the address it really saw.
    expect(clientIp('127.0.0.1', '1.2.3.4, 203.0.113.7', caddy)).toBe('203.0.113.7');
  });

  test('garbage in the header falls back to the socket', () => {
    expect(clientIp('127.0.0.1', 'not-an-ip', caddy)).toBe('127.0.0.1');
  });

  test('ranges, IPv6 and bad entries', () => {
    expect(isTrusted('172.31.255.255', caddy)).toBe(true);
    expect(isTrusted('172.32.0.1', caddy)).toBe(false);
    expect(isTrusted('0:0:0:0:0:0:0:1', caddy)).toBe(true);
    expect(isTrusted('2001:db8::1', parseTrustedProxies(['2001:db8::/32']))).toBe(true);
    expect(() => parseTrustedProxies(['caddy.internal'])).toThrow();
    expect(() => parseTrustedProxies(['10.0.0.0/33'])).toThrow();
  });
});
