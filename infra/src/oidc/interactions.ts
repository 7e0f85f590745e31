// The interaction routes of the dev OIDC provider: our own login page, and consent granted
// without asking (every client of the dev provider is one of ours).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionResults, default as Provider } from 'oidc-provider';
import { authenticateDemoUser } from './demo-users.ts';
import { errorPage, loginPage } from './pages.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

const MAX_FORM_BYTES = 16 * 1024;

/** Paths are relative to the issuer's path, like the provider's own routes. */
export function interactionPath(mountPath: string, uid: string) {
  return `${mountPath}/interaction/${uid}`;
}

/**
 * Handles a request for `/interaction/...` (req.url without the issuer's path); returns
 * false for any other path. `mountPath` is the issuer's path, for the links we render.
 */
export async function handleInteraction(
  provider: Provider,
  mountPath: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const { pathname } = new URL(req.url ?? '/', 'http://dev-oidc');
  const match = pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/);
  if (!match) return false;
  const [, uid, login] = match;
  res.setHeader('cache-control', 'no-store');

  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(res, 400, errorPage('Die Anmeldung ist abgelaufen. Bitte starte sie neu.'));
    return true;
  }
  if (interaction.uid !== uid) {
    sendHtml(res, 400, errorPage('Diese Anmeldung gehört zu einer anderen Sitzung.'));
    return true;
  }

  if (req.method === 'GET' && !login) {
    if (interaction.prompt.name === 'consent') {
      await finish(provider, req, res, {
        consent: { grantId: await grantAll(provider, interaction) },
      });
      return true;
    }
    if (interaction.prompt.name === 'login') {
      sendHtml(res, 200, await renderLogin(provider, mountPath, interaction));
      return true;
    }
    sendHtml(
      res,
      400,
      errorPage('Unbekannter Anmeldeschritt', { prompt: interaction.prompt.name }),
    );
    return true;
  }

  if (req.method === 'POST' && login && interaction.prompt.name === 'login') {
    const form = await readForm(req);
    const username = form.get('login') ?? '';
    const user = authenticateDemoUser(username, form.get('password') ?? '');
    if (!user) {
      sendHtml(res, 200, await renderLogin(provider, mountPath, interaction, username));
      return true;
    }
    await finish(provider, req, res, { login: { accountId: user.sub } });
    return true;
  }

  res.setHeader('allow', login ? 'POST' : 'GET');
  sendHtml(res, 405, errorPage('Diese Anfrage ist hier nicht erlaubt.'));
  return true;
}

async function renderLogin(
  provider: Provider,
  mountPath: string,
  interaction: Interaction,
  login?: string,
) {
  const clientId = String(interaction.params.client_id ?? '');
  const client = clientId ? await provider.Client.find(clientId) : undefined;
  return loginPage({
    action: `${interactionPath(mountPath, interaction.uid)}/login`,
    clientName: client?.clientName ?? clientId,
    login,
    error: login !== undefined,
  });
}

/** Grants whatever the consent prompt found missing, on the existing grant if there is one. */
async function grantAll(provider: Provider, interaction: Interaction): Promise<string> {
  const { details } = interaction.prompt;
  const accountId = interaction.session?.accountId;
  const clientId = String(interaction.params.client_id);
  const grant =
    (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });

  const missingScope = details.missingOIDCScope as string[] | undefined;
  if (missingScope) grant.addOIDCScope(missingScope);
  const missingClaims = details.missingOIDCClaims as string[] | undefined;
  if (missingClaims) grant.addOIDCClaims(missingClaims);
  const missingResourceScopes = details.missingResourceScopes as
    | Record<string, string[]>
    | undefined;
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes);
  }
  return grant.save();
}

async function finish(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  result: InteractionResults,
) {
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > MAX_FORM_BYTES) break;
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function sendHtml(res: ServerResponse, status: number, html: string) {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(html));
  res.end(html);
}
