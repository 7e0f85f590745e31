// Real OIDC logins for tests: the authorization-code flow with PKCE over plain HTTP, posting
// the provider's login form as a browser would and catching the code at the redirect URI.

import { createHash, randomBytes } from 'node:crypto';

export interface OidcClientCredentials {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface CodeFlowLogin extends OidcClientCredentials {
  redirectUri: string;
  username: string;
  password: string;
  /** Default 'openid profile email offline_access'. */
  scope?: string;
  /** Pass one to keep the provider's session cookies, e.g. for a later logout. */
  jar?: CookieJar;
}

export interface OidcTokens {
  accessToken: string;
  idToken: string;
  refreshToken: string | undefined;
  expiresIn: number;
}

/** The login did not end at the redirect URI; `html` is the last page the provider showed. */
export class OidcLoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly html: string,
  ) {
    super(message);
    this.name = 'OidcLoginError';
  }
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt: number;
}

/** Just enough of a browser cookie jar for one OIDC provider: host and path matching, expiry. */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  store(url: URL, response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      if (separator <= 0) continue;
      const cookie: StoredCookie = {
        name: pair.slice(0, separator).trim(),
        value: pair.slice(separator + 1).trim(),
        host: url.host,
        path: '/',
        expiresAt: Number.POSITIVE_INFINITY,
      };
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=').map((part) => part.trim());
        const name = key.toLowerCase();
        if (name === 'path' && value.startsWith('/')) cookie.path = value;
        if (name === 'expires') cookie.expiresAt = Date.parse(value);
        if (name === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
      }
      this.#cookies = this.#cookies.filter(
        (other) =>
          !(other.name === cookie.name && other.host === cookie.host && other.path === cookie.path),
      );
      if (cookie.value !== '' && cookie.expiresAt > Date.now()) this.#cookies.push(cookie);
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = this.#cookies.filter(
      (cookie) =>
        cookie.host === url.host &&
        cookie.expiresAt > now &&
        (url.pathname === cookie.path ||
          url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`)),
    );
    // Longer paths first, as browsers send them.
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

export async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`OIDC discovery at ${issuer} answered ${response.status}`);
  return (await response.json()) as Discovery;
}

export async function loginWithCodeFlow(login: CodeFlowLogin): Promise<OidcTokens> {
  const discovery = await discover(login.issuer);
  const jar = login.jar ?? new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');

  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: login.clientId,
    redirect_uri: login.redirectUri,
    scope: login.scope ?? 'openid profile email offline_access',
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  let url = authorize;
  let response = await browse(jar, url);
  let submitted = false;
  for (let hops = 0; hops < 20; hops++) {
    const location = response.headers.get('location');
    if (location && response.status >= 300 && response.status < 400) {
      url = new URL(location, url);
      if (isRedirectUri(url, login.redirectUri)) {
        return exchangeCode(discovery, login, url, state, verifier);
      }
      response = await browse(jar, url);
      continue;
    }

    const html = await response.text();
    const form = response.status === 200 ? parseForm(html, url) : undefined;
    if (!form || !('login' in form.fields) || submitted) {
      throw new OidcLoginError(
        submitted
          ? `login as ${login.username} was refused (${visibleError(html) ?? `HTTP ${response.status}`})`
          : `expected the login form, got HTTP ${response.status}`,
        response.status,
        html,
      );
    }
    submitted = true;
    form.fields.login = login.username;
    form.fields.password = login.password;
    url = form.action;
    response = await browse(jar, url, form.fields);
  }
  throw new Error('OIDC login did not reach the redirect URI within 20 steps');
}

export async function refreshTokens(
  client: OidcClientCredentials & { refreshToken: string },
): Promise<OidcTokens> {
  const discovery = await discover(client.issuer);
  return requestTokens(discovery, client, {
    grant_type: 'refresh_token',
    refresh_token: client.refreshToken,
  });
}

/**
 * RP-initiated logout with the session cookies of an earlier login (pass the same jar).
 * Returns where the provider sent the browser in the end (the post-logout redirect URI).
 */
export async function logoutFromProvider(input: {
  issuer: string;
  idToken: string;
  postLogoutRedirectUri: string;
  jar: CookieJar;
}): Promise<URL> {
  const discovery = await discover(input.issuer);
  if (!discovery.end_session_endpoint) throw new Error('provider has no end_session_endpoint');
  const endSession = new URL(discovery.end_session_endpoint);
  endSession.search = new URLSearchParams({
    id_token_hint: input.idToken,
    post_logout_redirect_uri: input.postLogoutRedirectUri,
  }).toString();

  let url = endSession;
  let response = await browse(input.jar, url);
  for (let hops = 0; hops < 10; hops++) {
    const location = response.headers.get('location');
    if (location && response.status >= 300 && response.status < 400) {
      url = new URL(location, url);
      if (isRedirectUri(url, input.postLogoutRedirectUri)) return url;
      response = await browse(input.jar, url);
      continue;
    }
    // The logout page submits its form by script; do what the script would.
    const html = await response.text();
    const form = parseForm(html, url);
    if (!form) throw new OidcLoginError('logout did not redirect', response.status, html);
    url = form.action;
    response = await browse(input.jar, url, form.fields);
  }
  throw new Error('OIDC logout did not reach the post-logout redirect URI within 10 steps');
}

async function browse(jar: CookieJar, url: URL, form?: Record<string, string>) {
  const headers = new Headers({ accept: 'text/html,application/xhtml+xml' });
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  let body: URLSearchParams | undefined;
  if (form) {
    body = new URLSearchParams(form);
    headers.set('content-type', 'application/x-www-form-urlencoded');
    headers.set('origin', url.origin);
  }
  const response = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers,
    body,
    redirect: 'manual',
  });
  jar.store(url, response);
  return response;
}

function isRedirectUri(url: URL, redirectUri: string) {
  const expected = new URL(redirectUri);
  return url.origin === expected.origin && url.pathname === expected.pathname;
}

async function exchangeCode(
  discovery: Discovery,
  login: CodeFlowLogin,
  callback: URL,
  state: string,
  verifier: string,
): Promise<OidcTokens> {
  const error = callback.searchParams.get('error');
  if (error) {
    const description = callback.searchParams.get('error_description');
    throw new Error(`authorization failed: ${error}${description ? ` (${description})` : ''}`);
  }
  if (callback.searchParams.get('state') !== state) throw new Error('state mismatch in callback');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error('callback carries no code');
  return requestTokens(discovery, login, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: login.redirectUri,
    code_verifier: verifier,
  });
}

async function requestTokens(
  discovery: Discovery,
  client: OidcClientCredentials,
  params: Record<string, string>,
): Promise<OidcTokens> {
  // client_secret_basic: both parts form-encoded before base64, as RFC 6749 asks.
  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
  ).toString('base64');
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(params),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    throw new Error(
      `token endpoint answered ${response.status}: ${String(body.error)} ${String(body.error_description ?? '')}`.trim(),
    );
  }
  return {
    accessToken: String(body.access_token),
    idToken: String(body.id_token),
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    expiresIn: Number(body.expires_in),
  };
}

interface ParsedForm {
  action: URL;
  fields: Record<string, string>;
}

/** The first POST form of a page with its named inputs (values as the page sets them). */
function parseForm(html: string, pageUrl: URL): ParsedForm | undefined {
  const formMatch = html.match(/<form\b([^>]*)>([\s\S]*?)<\/form>/i);
  if (!formMatch) return undefined;
  const [, formAttributes = '', inner = ''] = formMatch;
  const formAttrs = parseAttributes(formAttributes);
  if ((formAttrs.method ?? 'get').toLowerCase() !== 'post') return undefined;
  const fields: Record<string, string> = {};
  for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = parseAttributes(input[1] ?? '');
    if (attrs.name !== undefined) fields[attrs.name] = attrs.value ?? '';
  }
  return { action: new URL(formAttrs.action ?? pageUrl, pageUrl), fields };
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(
    /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g,
  )) {
    const name = match[1]?.toLowerCase();
    if (name) attributes[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

function decodeEntities(value: string) {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function visibleError(html: string) {
  return html.match(/role="alert"[^>]*>([^<]*)</)?.[1]?.trim();
}
