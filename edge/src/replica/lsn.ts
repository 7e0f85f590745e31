// WAL positions (PostgreSQL's pg_lsn, "16/B374D848") as comparable numbers, and the one place a
// caller's last-write position is read from: the x-min-lsn header (API clients) or the
// wg_lsn cookie (the browser; the edge sets it on every command's answer).
import { cookieValue } from '../auth/identify.ts';

export const LSN_COOKIE = 'wg_lsn';
export const MIN_LSN_HEADER = 'x-min-lsn';

/** A position as a number, or null for anything that is not one. */
export function parseLsn(text: string | null | undefined): bigint | null {
  if (!text) return null;
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) return null;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The position of the caller's own last write, if they sent one. */
export function callerMinLsn(headers: Headers): bigint | null {
  return parseLsn(headers.get(MIN_LSN_HEADER)) ?? parseLsn(cookieValue(headers, LSN_COOKIE));
}

/**
 * The cookie a command's answer carries, so the caller's next reads, on whichever edge, wait
 * for the replica to hold the write. It outlives any sane replica lag by far; once the replica
 * is past it, it costs one comparison per read.
 */
export function lsnCookie(lsn: bigint, secure: boolean): string {
  return `${LSN_COOKIE}=${formatLsn(lsn)}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
