// The development OpenID Connect provider: oidc-provider with demo users, our own login
// page, automatic consent, RS256 JWT access tokens shaped like Keycloak's, and persisted keys.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, type Configuration, errors } from 'oidc-provider';
import { demoUserClaims, findDemoUserBySub } from './demo-users.ts';
import { handleInteraction, interactionPath, sendHtml } from './interactions.ts';
import { createMemoryAdapter } from './memory-adapter.ts';
import { errorPage, logoutPage, logoutSuccessPage } from './pages.ts';
import { loadOrCreateSigningKeys, type PrivateJwks, rotateSigningKeys } from './signing-keys.ts';

export { DEMO_PASSWORD, DEMO_USERS, type DemoRole, type DemoUser } from './demo-users.ts';
export { LOGIN_ERROR_MESSAGE } from './pages.ts';

export const DEV_COOKIE_KEYS = ['weltgewebe-dev-oidc-cookie-key-not-for-production'];
export const DEV_OIDC_PORT = 3003;

export interface DevOidcOptions {
  /** Default `http://localhost:${port}` with the port actually bound. */
  issuer?: string;
  /** Default 3003; 0 picks a free port. */
  port?: number;
  /** Address to bind; default all interfaces, so both localhost (::1) and 127.0.0.1 work. */
  hostname?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** The `aud` of access tokens. */
  audience?: string;
  /** Where the private signing JWKS is kept; without it keys live in memory only. */
  keysFile?: string;
  /** Five minutes unless given: the web renews silently, and a stolen token lives briefly. */
  accessTokenTtlSeconds?: number;
  extraClients?: ClientMetadata[];
  /** Keys that sign the provider's cookies; the first one signs, all verify. */
  cookieKeys?: string[];
  /** One JSON line per request on stdout; default true. */
  log?: boolean;
}

export interface DevOidc {
  issuer: string;
  port: number;
  /** Puts a new signing key first; the old ones stay in the JWKS for verification. Returns the new kid. */
  rotateKeys(): Promise<string>;
  stop(): Promise<void>;
}

const SCOPE = 'openid profile email offline_access';
const HOUR = 60 * 60;
const DAY = 24 * HOUR;

export async function startDevOidc(options: DevOidcOptions = {}): Promise<DevOidc> {
  const port = options.port ?? DEV_OIDC_PORT;
  const clientId = options.clientId ?? 'weltgewebe-web';
  const audience = options.audience ?? 'weltgewebe';
  const accessTokenTtl = options.accessTokenTtlSeconds ?? 300;
  const log = options.log ?? true;
  const ourClient: ClientMetadata = {
    client_id: clientId,
    client_secret: options.clientSecret ?? 'dev-secret',
    client_name: 'Weltgewebe',
    redirect_uris: options.redirectUris ?? ['http://localhost:8080/auth/callback'],
    post_logout_redirect_uris: options.postLogoutRedirectUris ?? ['http://localhost:8080/'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // client_secret_post is accepted as well: oidc-provider treats the two as interchangeable.
    token_endpoint_auth_method: 'client_secret_basic',
  };
  const clients = [ourClient, ...(options.extraClients ?? [])];

  let jwks = await loadOrCreateSigningKeys(options.keysFile);
  const store = createMemoryAdapter();
  let provider: Provider | undefined;
  let providerCallback: ReturnType<Provider['callback']> | undefined;

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = headerValue(req, 'x-request-id') ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    if (log) {
      // Only the path: query strings carry codes, states and hints.
      const path = new URL(req.url ?? '/', 'http://dev-oidc').pathname;
      res.on('finish', () => logRequest(req.method, path, res.statusCode, requestId, started));
    }
    route(req, res).catch((error: unknown) => {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'dev oidc request failed',
          request_id: requestId,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      if (!res.headersSent)
        sendHtml(res, 500, errorPage('Interner Fehler', { request_id: requestId }));
      else res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const pathname = new URL(req.url ?? '/', 'http://dev-oidc').pathname;
    if (req.method === 'GET' && (pathname === '/health/live' || pathname === '/health/ready')) {
      const ready = pathname === '/health/live' || provider !== undefined;
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : 'starting' });
      return;
    }
    if (!provider || !providerCallback) {
      sendJson(res, 503, { error: 'starting' });
      return;
    }
    if (mountPath) {
      // An issuer with a path: strip it the way a mounting router would; oidc-provider
      // derives its endpoint URLs from originalUrl.
      if (pathname !== mountPath && !pathname.startsWith(`${mountPath}/`)) {
        sendJson(res, 404, { error: 'not_found' });
        return;
      }
      const request = req as IncomingMessage & { originalUrl?: string };
      request.originalUrl = req.url;
      const rest = req.url!.slice(mountPath.length);
      req.url = rest.startsWith('/') ? rest : `/${rest}`;
    }
    if (await handleInteraction(provider, mountPath, req, res)) return;
    providerCallback(req, res);
  }

  try {
    await listen(server, port, options.hostname);
  } catch (error) {
    store.close();
    throw error;
  }
  const boundPort = (server.address() as AddressInfo).port;
  const issuer = (options.issuer ?? `http://localhost:${boundPort}`).replace(/\/$/, '');
  const mountPath = new URL(issuer).pathname.replace(/\/$/, '');
  const resourceIndicator = URL.canParse(audience) ? audience : `urn:${audience}`;

  const build = (keys: PrivateJwks) => {
    const configuration: Configuration = {
      adapter: store.factory,
      clients,
      jwks: { keys: keys.keys },
      cookies: { keys: options.cookieKeys ?? DEV_COOKIE_KEYS },
      claims: {
        openid: ['sub'],
        profile: ['name', 'preferred_username', 'realm_access'],
        email: ['email', 'email_verified'],
      },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      // The web reads name and roles from the ID token, as it would from Keycloak's.
      conformIdTokenClaims: false,
      async findAccount(_ctx, sub) {
        const user = findDemoUserBySub(sub);
        if (!user) return undefined;
        return { accountId: user.sub, claims: () => ({ sub: user.sub, ...demoUserClaims(user) }) };
      },
      async extraTokenClaims(_ctx, token) {
        const user = 'accountId' in token ? findDemoUserBySub(token.accountId) : undefined;
        if (!user) return undefined;
        const { email_verified: _, ...claims } = demoUserClaims(user);
        // `sid` as Keycloak sends it: sign-out revokes the session by it (kit/revocations.ts).
        // The provider's session uid (not its cookie value, which stays secret): one per
        // browser sign-in, kept by every token refreshed from it.
        const sid =
          'sessionUid' in token && typeof token.sessionUid === 'string'
            ? token.sessionUid
            : undefined;
        return { ...claims, azp: token.clientId, ...(sid ? { sid } : {}) };
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      pkce: { required: () => true },
      interactions: { url: (_ctx, interaction) => interactionPath(mountPath, interaction.uid) },
      features: {
        devInteractions: { enabled: false },
        revocation: {
          enabled: true,
          allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
        },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource(ctx, form) {
            ctx.type = 'html';
            ctx.body = logoutPage(form);
          },
          postLogoutSuccessSource(ctx) {
            ctx.type = 'html';
            ctx.body = logoutSuccessPage();
          },
        },
        resourceIndicators: {
          enabled: true,
          // Clients need not send `resource`: every access token is for the Weltgewebe API.
          defaultResource: () => resourceIndicator,
          useGrantedResource: () => true,
          getResourceServerInfo(_ctx, indicator) {
            if (indicator !== resourceIndicator) throw new errors.InvalidTarget();
            return {
              scope: SCOPE,
              audience,
              accessTokenTTL: accessTokenTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      clientBasedCORS: () => false,
      renderError(ctx, out) {
        ctx.type = 'html';
        ctx.body = errorPage('Bei der Anmeldung ist etwas schiefgegangen.', {
          Fehler: out.error,
          Beschreibung: out.error_description,
        });
      },
      ttl: {
        AccessToken: accessTokenTtl,
        AuthorizationCode: 60,
        IdToken: HOUR,
        Interaction: HOUR,
        RefreshToken: 14 * DAY,
        Session: 14 * DAY,
        Grant: 14 * DAY,
      },
    };
    const next = new Provider(issuer, configuration);
    next.on('server_error', (_ctx, error) => {
      console.error(
        JSON.stringify({ level: 'error', msg: 'dev oidc error', error: error.message }),
      );
    });
    return next;
  };

  try {
    provider = build(jwks);
    providerCallback = provider.callback();
  } catch (error) {
    await close(server);
    store.close();
    throw error;
  }

  return {
    issuer,
    port: boundPort,
    async rotateKeys() {
      jwks = await rotateSigningKeys(jwks, options.keysFile);
      // oidc-provider reads its keys once; a fresh instance on the same storage and cookie
      // keys takes over, so sessions, grants and refresh tokens carry on.
      provider = build(jwks);
      providerCallback = provider.callback();
      return jwks.keys[0]!.kid;
    },
    async stop() {
      await close(server);
      store.close();
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, hostname?: string) {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (hostname) server.listen(port, hostname, done);
    else server.listen(port, done);
  });
}

function close(server: ReturnType<typeof createServer>) {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(text);
}

function logRequest(
  method: string | undefined,
  path: string,
  status: number,
  requestId: string,
  started: number,
) {
  console.log(
    JSON.stringify({
      time: new Date().toISOString(),
      level: 'info',
      service: 'dev-oidc',
      msg: 'request',
      request_id: requestId,
      method,
      path,
      status,
      duration_ms: Math.round(performance.now() - started),
    }),
  );
}
