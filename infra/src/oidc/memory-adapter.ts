// In-memory storage for oidc-provider models. One store per dev provider, shared by the
// provider instances it builds on key rotation so sessions and refresh tokens survive it.

import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

const GRANT_BOUND_MODELS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken']);

export interface MemoryAdapter {
  factory: AdapterFactory;
  close(): void;
}

export function createMemoryAdapter(): MemoryAdapter {
  const entries = new Map<string, Entry>();
  const sessionIdByUid = new Map<string, string>();
  const keysByGrant = new Map<string, Set<string>>();

  const read = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };

  const sweep = () => {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(key);
    }
    for (const [grantId, keys] of keysByGrant) {
      for (const key of keys) if (!entries.has(key)) keys.delete(key);
      if (keys.size === 0) keysByGrant.delete(grantId);
    }
    for (const [uid, id] of sessionIdByUid) {
      if (!entries.has(`Session:${id}`)) sessionIdByUid.delete(uid);
    }
  };
  // Lazy expiry covers reads; the sweep keeps a long-running dev server from growing forever.
  const sweeper = setInterval(sweep, 60_000);
  sweeper.unref?.();

  const factory = (model: string): Adapter => {
    const keyFor = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyFor(id);
        const expiresAt =
          typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
        entries.set(key, { payload, expiresAt });
        if (model === 'Session' && payload.uid) sessionIdByUid.set(payload.uid, id);
        if (GRANT_BOUND_MODELS.has(model) && payload.grantId) {
          const keys = keysByGrant.get(payload.grantId) ?? new Set<string>();
          keys.add(key);
          keysByGrant.set(payload.grantId, keys);
        }
      },
      async find(id) {
        return read(keyFor(id));
      },
      async findByUid(uid) {
        const id = sessionIdByUid.get(uid);
        return id === undefined ? undefined : read(keyFor(id));
      },
      // The device flow is disabled, so no model is ever stored by user code.
      async findByUserCode() {
        return undefined;
      },
      async consume(id) {
        const payload = read(keyFor(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        const key = keyFor(id);
        const payload = read(key);
        entries.delete(key);
        if (payload?.uid && sessionIdByUid.get(payload.uid) === id) {
          sessionIdByUid.delete(payload.uid);
        }
      },
      async revokeByGrantId(grantId) {
        for (const key of keysByGrant.get(grantId) ?? []) entries.delete(key);
        keysByGrant.delete(grantId);
      },
    };
  };

  return { factory, close: () => clearInterval(sweeper) };
}
