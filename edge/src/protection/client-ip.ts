// Who is asking: the socket address, or — only when the socket is one of our own proxies
// (Caddy) — the nearest address in X-Forwarded-For that is not a trusted proxy. Anyone can
// write an X-Forwarded-For header, so a header from an untrusted peer is ignored.
import { isIP } from 'node:net';

interface Range {
  bits: bigint;
  mask: bigint;
  v6: boolean;
}

/** '::ffff:127.0.0.1' → '127.0.0.1', brackets and zone ids dropped. */
export function normaliseIp(raw: string): string {
  let ip = raw.trim().replace(/^\[|\]$/g, '');
  ip = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return (mapped ? mapped[1]! : ip).toLowerCase();
}

function toBigInt(ip: string): { value: bigint; v6: boolean } | null {
  const kind = isIP(ip);
  if (kind === 4) {
    return {
      value: ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n),
      v6: false,
    };
  }
  if (kind !== 6) return null;
  let [head, tail] = ip.split('::') as [string, string | undefined];
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms that were not normalised) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (v4) {
    const n = toBigInt(v4[1]!)!.value;
    const groups = `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    if (tail !== undefined) tail = tail.replace(v4[1]!, groups);
    else head = head.replace(v4[1]!, groups);
  }
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  const groups = tail === undefined ? h : [...h, ...Array(missing).fill('0'), ...t];
  if (groups.length !== 8) return null;
  return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g || '0'}`), 0n), v6: true };
}

/** Parses "127.0.0.1, ::1, 172.16.0.0/12" into ranges; throws on anything else. */
export function parseTrustedProxies(list: string[]): Range[] {
  return list.map((entry) => {
    const [addr, prefix] = entry.trim().split('/');
    const parsed = toBigInt(normaliseIp(addr ?? ''));
    if (!parsed) throw new Error(`not an IP address or CIDR range: ${entry}`);
    const width = parsed.v6 ? 128 : 32;
    const len = prefix === undefined ? width : Number(prefix);
    if (!Number.isInteger(len) || len < 0 || len > width)
      throw new Error(`bad prefix length in ${entry}`);
    const mask = ((1n << BigInt(len)) - 1n) << BigInt(width - len);
    return { bits: parsed.value & mask, mask, v6: parsed.v6 };
  });
}

export function isTrusted(ip: string, ranges: Range[]): boolean {
  const parsed = toBigInt(normaliseIp(ip));
  if (!parsed) return false;
  return ranges.some((r) => r.v6 === parsed.v6 && (parsed.value & r.mask) === r.bits);
}

/**
 * The client's address. `peer` is the socket address (null for in-process calls, which
 * are treated as coming from loopback).
 */
export function clientIp(
  peer: string | null | undefined,
  forwardedFor: string | null,
  trusted: Range[],
): string {
  const socket = normaliseIp(peer ?? '127.0.0.1');
  if (!forwardedFor || !isTrusted(socket, trusted)) return socket;
  // Walk from the right: each trusted hop vouches for the one before it.
  const hops = forwardedFor
    .split(',')
    .map((h) => normaliseIp(h))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isIP(hop)) return socket;
    if (!isTrusted(hop, trusted)) return hop;
  }
  return hops[0] && isIP(hops[0]) ? hops[0] : socket;
}
