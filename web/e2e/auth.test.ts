// Sign-in and sign-out in a real browser against the whole stack behind Caddy: each demo user
// through the real login page, RP-initiated logout by the header's POST form (a GET signs
// nobody out), a broken or revoked session falling back to anonymous with a clear message,
// the security headers, and cross-site requests from a page on another origin that carry the
// victim's cookies and still change nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BrowserContext, expect, type Locator, type Page, test } from '@playwright/test';
import { signInAsDemo, waitForMap } from './map-page';

const issuer = process.env.E2E_OIDC_ISSUER ?? 'http://localhost:3003';
const issuerOrigin = new URL(issuer).origin;
const SESSION_COOKIES = ['wg_at', 'wg_rt', 'wg_idt'];
const EXPIRED_MESSAGE = 'Deine Sitzung ist abgelaufen – bitte melde dich neu an.';

type DemoUser = 'reader' | 'weaver' | 'admin';
const DEMO: Record<DemoUser, { name: string; role: string }> = {
  reader: { name: 'Rike Reader', role: 'Leser' },
  weaver: { name: 'Wim Weber', role: 'Weber' },
  admin: { name: 'Ada Admin', role: 'Admin' },
};

/** Console messages of CSP violations (the page or a form navigation blocked by policy). */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

async function tapMapCenter(page: Page): Promise<void> {
  const box = await page.locator('canvas.maplibregl-canvas').boundingBox();
  if (!box) throw new Error('map canvas has no box');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

const banner = (page: Page) => page.getByRole('banner');

async function signIn(page: Page, user: DemoUser): Promise<void> {
  await signInAsDemo(page, user);
  await expect(banner(page).getByTestId('current-role')).toHaveText(DEMO[user].role);
}

/** Presses Tab from the top of the page until `target` has the focus. */
async function tabTo(page: Page, target: Locator, limit = 40): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error('the element is not reachable with Tab');
}

async function sessionCookies(context: BrowserContext): Promise<string[]> {
  return (await context.cookies())
    .filter((c) => SESSION_COOKIES.includes(c.name) && c.value !== '')
    .map((c) => c.name)
    .sort();
}

/** A random spot over the North German plain, so runs never share one. */
function randomSpot() {
  return {
    lat: Math.round((52 + Math.random()) * 1e6) / 1e6,
    lon: Math.round((8 + Math.random() * 4) * 1e6) / 1e6,
  };
}

test.describe('security headers through Caddy', () => {
  test('pages: CSP of our own origin only, the issuer only for forms; no framing, no sniffing', async ({
    page,
    baseURL,
  }) => {
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    // Plain HTTP locally: no HSTS (production sets HSTS for Caddy, see ops-config.test.ts).
    expect(headers['strict-transport-security']).toBeUndefined();
    expect(headers.server).toBeUndefined();

    const policy = headers['content-security-policy'] ?? '';
    const directives = new Map(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((parts) => parts[0])
        .map(([name, ...sources]) => [name!, sources]),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'self'"]);
    expect(directives.get('form-action')).toEqual(["'self'", issuerOrigin]);
    const scripts = directives.get('script-src') ?? [];
    expect(scripts).toContain("'self'");
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain("'unsafe-eval'");
    // No other host anywhere: only keywords, nonces/hashes, data:/blob: and the issuer in form-action.
    for (const [name, sources] of directives) {
      for (const source of sources) {
        const allowed =
          /^'[^']+'$/.test(source) ||
          source === 'data:' ||
          source === 'blob:' ||
          (name === 'form-action' && source === issuerOrigin);
        expect({ name, source, allowed }).toEqual({ name, source, allowed: true });
      }
    }
    expect(new URL(baseURL!).origin).not.toBe(issuerOrigin);
  });

  test('API answers carry the same headers and the default policy', async ({ request }) => {
    for (const path of ['/trpc/weaveries.list', '/tiles/catalog', '/no-such-page']) {
      const response = await request.get(path);
      const headers = response.headers();
      expect({ path, frame: headers['x-frame-options'] }).toEqual({ path, frame: 'DENY' });
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(headers['content-security-policy']).toContain(`form-action 'self' ${issuerOrigin}`);
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });
});

test.describe('signing in and out', () => {
  for (const user of ['reader', 'weaver', 'admin'] as const) {
    test(`${user} signs in at the provider, sees name and role, may tie a node, signs out`, async ({
      page,
      context,
    }) => {
      const violations = watchCsp(page);
      await page.goto('/#12/52.52/13.40');
      await waitForMap(page);
      // Anonymous: a tap explains how to take part instead of opening the form.
      await tapMapCenter(page);
      await expect(page.getByText('Melde dich an, um einen Knoten zu knüpfen.')).toBeVisible();

      await signIn(page, user);
      await expect(banner(page).getByTestId('current-user')).toContainText(DEMO[user].name);
      await expect(banner(page).getByTestId('current-role')).toHaveText(DEMO[user].role);
      expect(await sessionCookies(context)).toEqual(SESSION_COOKIES.slice().sort());
      // Tokens stay HttpOnly: the page's script cannot read them.
      expect(await page.evaluate(() => document.cookie)).not.toMatch(/wg_(at|rt|idt)=/);

      await waitForMap(page);
      await tapMapCenter(page);
      const dialog = page.getByRole('dialog', { name: 'Knoten knüpfen' });
      await expect(dialog).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();

      // Sign out with the keyboard: the header's button (a POST form) is in the tab order, a
      // full touch target, and goes through the provider's end-session endpoint and back.
      const signOut = banner(page).getByRole('button', { name: 'Abmelden' });
      const box = await signOut.boundingBox();
      expect(box?.height).toBeGreaterThanOrEqual(44);
      expect(box?.width).toBeGreaterThanOrEqual(44);
      await tabTo(page, signOut);
      const sawLogoutPost = page.waitForRequest(
        (r) => new URL(r.url()).pathname === '/auth/logout' && r.method() === 'POST',
      );
      const sawProvider = page.waitForRequest(
        (r) => r.url().startsWith(issuerOrigin) && r.isNavigationRequest(),
      );
      await page.keyboard.press('Enter');
      await sawLogoutPost;
      await sawProvider;
      await page.waitForURL((url) => url.origin !== issuerOrigin && url.pathname === '/');
      await expect(banner(page).getByRole('link', { name: 'Anmelden' })).toBeVisible();
      await expect(banner(page).getByTestId('current-role')).toHaveCount(0);
      expect(await sessionCookies(context)).toEqual([]);

      // The provider's session is over too: signing in asks for the password again.
      await banner(page).getByRole('link', { name: 'Anmelden' }).click();
      await page.waitForURL((url) => url.origin === issuerOrigin);
      await expect(page.locator('input[name=password]')).toBeVisible();
      expect(violations).toEqual([]);
    });
  }

  test('a GET of /auth/logout (typed address, an old link) signs nobody out and leads to the map', async ({
    page,
    context,
  }) => {
    await page.goto('/');
    await signIn(page, 'weaver');
    const before = await sessionCookies(context);
    expect(before).toEqual(SESSION_COOKIES.slice().sort());
    // Typed into the address bar (Sec-Fetch-Site: none), which used to sign out.
    const providerVisits: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(issuerOrigin)) providerVisits.push(r.url());
    });
    const response = await page.goto('/auth/logout');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(response?.status()).toBe(200);
    await expect(banner(page).getByTestId('current-role')).toHaveText('Weber');
    expect(await sessionCookies(context)).toEqual(before);
    expect(providerVisits).toEqual([]);
    // The same from a link on our own page (Sec-Fetch-Site: same-origin).
    await page.evaluate(() => {
      const link = document.createElement('a');
      link.href = '/auth/logout';
      link.id = 'e2e-old-logout-link';
      link.textContent = 'alter Abmelde-Link';
      document.body.prepend(link);
    });
    await page.locator('#e2e-old-logout-link').click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect(banner(page).getByTestId('current-role')).toHaveText('Weber');
    expect(await sessionCookies(context)).toEqual(before);
    expect(providerVisits).toEqual([]);
  });

  test('a sign-out form (POST) may redirect to the provider under our CSP', async ({
    page,
    context,
  }) => {
    const violations = watchCsp(page);
    await page.goto('/');
    await signIn(page, 'reader');
    await page.evaluate(() => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = '/auth/logout';
      const button = document.createElement('button');
      button.id = 'e2e-logout';
      button.textContent = 'Abmelden (Formular)';
      form.append(button);
      document.body.prepend(form);
    });
    // Without the issuer in form-action the browser stops at the redirect to the provider.
    const sawProvider = page.waitForRequest(
      (r) => r.url().startsWith(issuerOrigin) && r.isNavigationRequest(),
      { timeout: 15_000 },
    );
    await page.locator('#e2e-logout').click();
    await sawProvider;
    await page.waitForURL((url) => url.origin !== issuerOrigin && url.pathname === '/');
    await expect(banner(page).getByRole('link', { name: 'Anmelden' })).toBeVisible();
    expect(await sessionCookies(context)).toEqual([]);
    expect(violations).toEqual([]);
  });
});

test.describe('a session that cannot be saved', () => {
  test('corrupt access and refresh cookies: anonymous again, with the German notice, no error page', async ({
    page,
    context,
    baseURL,
  }) => {
    await page.goto('/');
    await signIn(page, 'weaver');
    // Same name, host and path: these replace the cookies the server set.
    const url = `${new URL(baseURL!).origin}/`;
    await context.addCookies([
      { name: 'wg_at', value: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', url, httpOnly: true },
      { name: 'wg_rt', value: 'kaputt', url, httpOnly: true },
    ]);
    const response = await page.reload();
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('status').filter({ hasText: EXPIRED_MESSAGE })).toBeVisible();
    await expect(banner(page).getByRole('link', { name: 'Anmelden' })).toBeVisible();
    await expect(page.getByText('Da ist etwas schiefgegangen')).toHaveCount(0);
    await waitForMap(page);
    expect(await sessionCookies(context)).toEqual([]);
    // The notice is shown once.
    await page.reload();
    await expect(banner(page).getByRole('link', { name: 'Anmelden' })).toBeVisible();
    await expect(page.getByText(EXPIRED_MESSAGE)).toHaveCount(0);
  });

  test('a refresh token revoked at the provider and a spoiled access token: the same notice', async ({
    page,
    context,
    baseURL,
    request,
  }) => {
    await page.goto('/');
    await signIn(page, 'reader');
    const cookies = await context.cookies();
    const refreshToken = cookies.find((c) => c.name === 'wg_rt')!.value;
    const accessToken = cookies.find((c) => c.name === 'wg_at')!;
    expect(accessToken.httpOnly).toBe(true);

    const discovery = (await (
      await request.get(`${issuer}/.well-known/openid-configuration`)
    ).json()) as { revocation_endpoint: string };
    const revoked = await request.post(discovery.revocation_endpoint, {
      headers: {
        authorization: `Basic ${Buffer.from('weltgewebe-web:dev-secret').toString('base64')}`,
      },
      form: { token: refreshToken, token_type_hint: 'refresh_token' },
    });
    expect(revoked.status()).toBe(200);

    // One flipped character of the signature: the token no longer verifies.
    const [h, p, s] = accessToken.value.split('.');
    const spoiled = `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`;
    await context.addCookies([
      { name: 'wg_at', value: spoiled, url: `${new URL(baseURL!).origin}/`, httpOnly: true },
    ]);

    const response = await page.reload();
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('status').filter({ hasText: EXPIRED_MESSAGE })).toBeVisible();
    await expect(banner(page).getByRole('link', { name: 'Anmelden' })).toBeVisible();
    expect(await sessionCookies(context)).toEqual([]);
  });
});

test.describe('signing out ends the access token at once', () => {
  const coreUrl = process.env.E2E_CORE_URL ?? 'http://127.0.0.1:3002';

  /** accounts.me with `token` (as a bearer header or as the cookie): status and error code. */
  async function me(base: string, token: string, via: 'header' | 'cookie' = 'header') {
    const response = await fetch(`${base}/trpc/accounts.me`, {
      headers:
        via === 'header' ? { authorization: `Bearer ${token}` } : { cookie: `wg_at=${token}` },
    });
    const body = (await response.json()) as { error?: { data?: { domainCode?: string } } };
    return { status: response.status, code: body.error?.data?.domainCode ?? null };
  }

  test('after sign-out the old access token is refused by edge and core', async ({
    page,
    context,
    baseURL,
  }) => {
    // Two provider round trips and a full page load each way: under a loaded machine the
    // default 60 s are not enough for the steps, though every one of them holds.
    test.slow();
    await page.goto('/');
    await signIn(page, 'reader');
    // The token the web uses: its HttpOnly cookie, as someone who copied it would have it.
    const token = (await context.cookies()).find((c) => c.name === 'wg_at')?.value;
    expect(token).toBeTruthy();
    const edge = baseURL!;
    expect(await me(edge, token!)).toEqual({ status: 200, code: null });
    expect(await me(coreUrl, token!)).toEqual({ status: 200, code: null });

    await banner(page).getByRole('button', { name: 'Abmelden' }).click();
    await page.waitForURL((url) => url.origin !== issuerOrigin && url.pathname === '/');
    await expect(banner(page).getByRole('link', { name: 'Anmelden' })).toBeVisible();

    // Long before the token would expire: refused by the edge (header or cookie) and the core.
    const revoked = { status: 401, code: 'SESSION_REVOKED' };
    expect(await me(edge, token!)).toEqual(revoked);
    expect(await me(edge, token!, 'cookie')).toEqual(revoked);
    expect(await me(coreUrl, token!)).toEqual(revoked);
  });
});

test.describe('cross-site requests with the victim’s cookies', () => {
  let attacker: Server;
  let attackerUrl = '';
  let attackPage = '';

  test.beforeAll(async () => {
    attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(attackPage);
    });
    await new Promise<void>((resolve) => attacker.listen(0, 'localhost', resolve));
    // Same site as the app (localhost), another origin (port): SameSite=Lax cookies go along,
    // so only the Origin check stands between the page and the victim's session.
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  });
  test.afterAll(async () => {
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  });

  test('a page on another origin posts to nodes.create, /auth/refresh and /auth/logout: nothing happens', async ({
    page,
    baseURL,
  }) => {
    const app = new URL(baseURL!).origin;
    expect(attackerUrl).not.toBe(app);
    await page.goto('/');
    await signIn(page, 'reader');

    const spot = randomSpot();
    const title = `CSRF-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    const input = { operationId: crypto.randomUUID(), kind: 'place', title, ...spot };
    const fields = Object.entries(input)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
      .join('');
    // What a page may send elsewhere without a CORS preflight: forms and no-cors fetches with
    // multipart (which tRPC accepts), text/plain (JSON smuggled in) or no body type at all.
    attackPage = `<!doctype html><meta charset="utf-8"><title>Gewinnspiel</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="multipart/form-data" target="sink" action="${app}/trpc/nodes.create?via=form">${fields}</form>
<img src="${app}/auth/logout" alt="">
<script>
  const input = ${JSON.stringify(input)};
  const multipart = () => { const f = new FormData(); for (const [k, v] of Object.entries(input)) f.append(k, String(v)); return f; };
  const shoot = (path, body) => fetch('${app}' + path, { method: 'POST', mode: 'no-cors', credentials: 'include', body })
    .then(() => 'sent', (e) => String(e));
  Promise.all([
    shoot('/trpc/nodes.create?via=multipart', multipart()),
    shoot('/trpc/nodes.create?via=text', JSON.stringify(input)),
    shoot('/trpc/nodes.create?via=blob', new Blob([JSON.stringify(input)])),
    shoot('/auth/refresh'),
    shoot('/auth/logout', new Blob(['x'])),
  ]).then((r) => { window.__sent = r; document.getElementById('f').submit(); });
</script>`;

    const attackResponses = new Map<string, number>();
    page.on('response', (response) => {
      const url = new URL(response.url());
      const request = response.request();
      if (url.origin === app && request.resourceType() === 'fetch' && request.method() === 'POST') {
        attackResponses.set(`${url.pathname}${url.search}`, response.status());
      }
    });
    const formAnswered = page.waitForResponse(
      (r) =>
        r.url().endsWith('/trpc/nodes.create?via=form') &&
        r.request().resourceType() === 'document',
    );
    await page.goto(attackerUrl);
    await page.waitForFunction(
      () => (window as unknown as { __sent?: string[] }).__sent?.length === 5,
    );
    const form = await formAnswered;
    // 403 from the origin check; the frame shows nothing of it (X-Frame-Options DENY).
    expect(form.status()).toBe(403);

    expect(Object.fromEntries(attackResponses)).toEqual({
      // Refused by the edge's origin check (the session cookie came along).
      '/trpc/nodes.create?via=multipart': 403,
      // Refused by tRPC already: it takes no text/plain or untyped bodies.
      '/trpc/nodes.create?via=text': 415,
      '/trpc/nodes.create?via=blob': 415,
      // The web's own state-changing routes check the Origin too.
      '/auth/refresh': 403,
      '/auth/logout': 403,
    });

    // Back on the app: still signed in (the <img> logout did nothing), and no node was tied.
    await page.goto('/');
    await expect(banner(page).getByTestId('current-role')).toHaveText('Leser');
    const nodesAtSpot = async () => {
      const box = {
        west: spot.lon - 0.01,
        south: spot.lat - 0.01,
        east: spot.lon + 0.01,
        north: spot.lat + 0.01,
      };
      const res = await page.request.get(
        `/trpc/nodes.inBBox?input=${encodeURIComponent(JSON.stringify(box))}`,
      );
      const json = (await res.json()) as { result: { data: { items: Array<{ title: string }> } } };
      return json.result.data.items.map((n) => n.title);
    };
    expect(await nodesAtSpot()).not.toContain(title);

    // Control: from the app's own page the same multipart request passes the origin check
    // (the core then refuses the form body), and the app's JSON request ties the node, so
    // the refusals above came from the origin, not from a missing session.
    const own = await page.evaluate(async (fields) => {
      const multipart = new FormData();
      for (const [k, v] of Object.entries(fields)) multipart.append(k, String(v));
      const viaMultipart = await fetch('/trpc/nodes.create', { method: 'POST', body: multipart });
      const viaJson = await fetch('/trpc/nodes.create', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fields),
      });
      return { multipart: viaMultipart.status, json: viaJson.status };
    }, input);
    expect(own.multipart).not.toBe(403);
    expect(own.json).toBe(200);
    expect(await nodesAtSpot()).toContain(title);
  });
});
