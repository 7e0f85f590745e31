// RS256 signing keys of the dev OIDC provider, optionally persisted as a private JWKS
// file so that tokens issued before a restart still verify after it.

import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { z } from 'zod';

const privateRsaJwkSchema = z.looseObject({
  kty: z.literal('RSA'),
  kid: z.string().min(1),
  alg: z.literal('RS256'),
  use: z.literal('sig'),
  n: z.string().min(1),
  e: z.string().min(1),
  d: z.string().min(1),
  p: z.string().min(1),
  q: z.string().min(1),
  dp: z.string().min(1),
  dq: z.string().min(1),
  qi: z.string().min(1),
});

const privateJwksSchema = z.object({ keys: z.array(privateRsaJwkSchema).min(1) });

export type PrivateRsaJwk = z.infer<typeof privateRsaJwkSchema>;
export interface PrivateJwks {
  keys: PrivateRsaJwk[];
}

/** How many keys stay published after rotations: the signing key and its predecessors. */
const KEPT_KEYS = 3;

export async function generateSigningKey(): Promise<PrivateRsaJwk> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n, e: jwk.e });
  return privateRsaJwkSchema.parse({ ...jwk, kid, alg: 'RS256', use: 'sig' });
}

/** Reads the key file, or creates it with one fresh key; without a file the keys live in memory. */
export async function loadOrCreateSigningKeys(keysFile?: string): Promise<PrivateJwks> {
  if (keysFile) {
    const existing = await readKeysFile(keysFile);
    if (existing) return existing;
  }
  const jwks = { keys: [await generateSigningKey()] };
  if (keysFile) await writeKeysFile(keysFile, jwks);
  return jwks;
}

/** A new key goes first (it signs from now on); older ones stay for verification. */
export async function rotateSigningKeys(current: PrivateJwks, keysFile?: string) {
  const jwks = { keys: [await generateSigningKey(), ...current.keys].slice(0, KEPT_KEYS) };
  if (keysFile) await writeKeysFile(keysFile, jwks);
  return jwks;
}

async function readKeysFile(keysFile: string): Promise<PrivateJwks | undefined> {
  let text: string;
  try {
    text = await readFile(keysFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = privateJwksSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `OIDC keys file ${keysFile} is not a private RS256 JWKS: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

async function writeKeysFile(keysFile: string, jwks: PrivateJwks) {
  await mkdir(dirname(keysFile), { recursive: true });
  // Write then rename, so a crash never leaves a half-written key file behind.
  const temporary = `${keysFile}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, keysFile);
}
