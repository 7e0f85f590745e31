// A local Web Push service for tests: an HTTP server on a free loopback port that takes the
// POSTs a push service would (RFC 8030), answers each endpoint with the status a test sets
// (201, or 410 for a browser that is gone), and keeps what arrived. A test browser (a P-256
// key pair and a 16-byte auth secret, as a real one makes) decrypts the aes128gcm payload
// itself (RFC 8188 + RFC 8291, written here with node:crypto ECDH and HKDF), and the VAPID
// header (RFC 8292) is checked against the site's public key.
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
} from 'node:crypto';

export interface ReceivedPush {
  path: string;
  headers: Headers;
  body: Uint8Array;
}

/** A browser's push keys: what `PushSubscription.toJSON().keys` would hold, and the secret half. */
export function testBrowser() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    /** RFC 8291 §3.4 and RFC 8188 §2: the plaintext of one aes128gcm push message. */
    decrypt(body: Uint8Array): string {
      const data = Buffer.from(body);
      const salt = data.subarray(0, 16);
      const recordSize = data.readUInt32BE(16);
      const idLength = data[20]!;
      const asPublic = data.subarray(21, 21 + idLength);
      const record = data.subarray(21 + idLength);
      if (record.length > recordSize) throw new Error('more than one record');
      const uaPublic = ecdh.getPublicKey();
      const ecdhSecret = ecdh.computeSecret(asPublic);
      const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
      const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, auth, keyInfo, 32));
      const cek = Buffer.from(
        hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16),
      );
      const nonce = Buffer.from(
        hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12),
      );
      const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
      decipher.setAuthTag(record.subarray(record.length - 16));
      const padded = Buffer.concat([
        decipher.update(record.subarray(0, record.length - 16)),
        decipher.final(),
      ]);
      // The last record ends with the delimiter 0x02, then zero padding.
      let end = padded.length - 1;
      while (end >= 0 && padded[end] === 0) end--;
      if (padded[end] !== 2) throw new Error('no last-record delimiter');
      return padded.subarray(0, end).toString('utf8');
    },
  };
}

/**
 * RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`; the JWT is ES256-signed by that
 * key, names the push service's origin as `aud` and expires within 24 hours. Returns its claims.
 */
export function verifyVapid(authorization: string | null, expectedKey: string, endpoint: string) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) throw new Error(`no VAPID authorization: ${authorization}`);
  const [, jwt, key] = match as unknown as [string, string, string];
  if (key !== expectedKey) throw new Error('VAPID key is not the site key');
  const [head, claims, signature] = jwt.split('.') as [string, string, string];
  const raw = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) throw new Error('VAPID signature does not verify');
  const header = JSON.parse(Buffer.from(head, 'base64url').toString());
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (header.alg !== 'ES256') throw new Error(`VAPID alg ${header.alg}`);
  if (body.aud !== new URL(endpoint).origin) throw new Error(`VAPID aud ${body.aud}`);
  if (body.exp * 1000 > Date.now() + 24 * 3_600_000 + 60_000) throw new Error('VAPID exp too far');
  return body;
}

export async function startPushService() {
  const received: ReceivedPush[] = [];
  const statusOf = new Map<string, number>();
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url);
      if (request.method !== 'POST') return new Response('method', { status: 405 });
      received.push({
        path: url.pathname,
        headers: request.headers,
        body: new Uint8Array(await request.arrayBuffer()),
      });
      const status = statusOf.get(url.pathname) ?? 201;
      return new Response(null, { status });
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    received,
    /** A new endpoint of this service (one per browser). */
    endpoint: (name: string) => `${url}/push/${name}`,
    /** The status this endpoint answers from now on (e.g. 410: the browser unsubscribed). */
    answer: (endpoint: string, status: number) => statusOf.set(new URL(endpoint).pathname, status),
    to: (endpoint: string) => received.filter((r) => r.path === new URL(endpoint).pathname),
    stop: () => server.stop(true),
  };
}
