// The HTML pages of the dev OIDC provider (German, self-contained: no external resources).

import { DEMO_PASSWORD, DEMO_USERS } from './demo-users.ts';

export const LOGIN_ERROR_MESSAGE = 'Benutzername oder Passwort falsch';

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f4f1ea;color:#222;display:flex;justify-content:center;padding:2rem 1rem}
  main{width:100%;max-width:22rem;background:#fff;border-radius:.75rem;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
  h1{font-size:1.35rem;margin:0 0 1rem}
  label{display:block;font-weight:600;margin:.75rem 0 .25rem}
  input{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #999;border-radius:.4rem}
  input:focus,button:focus{outline:3px solid #7a5cfa;outline-offset:1px}
  button{margin-top:1.25rem;width:100%;font:inherit;font-weight:600;padding:.7rem;border:0;border-radius:.4rem;background:#4b2fc9;color:#fff;cursor:pointer}
  .error{background:#fde8e8;color:#8a1111;border:1px solid #e0a0a0;border-radius:.4rem;padding:.6rem .7rem}
  .hint{margin-top:1.25rem;font-size:.85rem;color:#555}
`;

function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${head}
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface LoginPageInput {
  action: string;
  clientName: string;
  login?: string;
  error?: boolean;
}

export function loginPage({ action, clientName, login = '', error = false }: LoginPageInput) {
  const demoAccounts = DEMO_USERS.map((user) => `<code>${escapeHtml(user.username)}</code>`).join(
    ', ',
  );
  return page(
    'Bei Weltgewebe anmelden',
    `<h1>Bei Weltgewebe anmelden</h1>
<p>Anmeldung für ${escapeHtml(clientName)}</p>
${error ? `<p class="error" role="alert" id="login-error">${LOGIN_ERROR_MESSAGE}</p>` : ''}
<form method="post" action="${escapeHtml(action)}" autocomplete="off">
<label for="login">Benutzername</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(login)}"${error ? ' aria-describedby="login-error"' : ''}${login ? '' : ' autofocus'}>
<label for="password">Passwort</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${login ? ' autofocus' : ''}>
<button type="submit">Anmelden</button>
</form>
<p class="hint">Entwicklungs-Anmeldung. Demo-Konten: ${demoAccounts}; Passwort: <code>${DEMO_PASSWORD}</code></p>`,
  );
}

/**
 * The RP-initiated logout page: oidc-provider hands us its confirmation form; we add the
 * "logout" answer and submit it straight away, so signing out needs no extra click.
 */
export function logoutPage(form: string) {
  const confirmed = form.replace(
    '</form>',
    '<input type="hidden" name="logout" value="yes"/><noscript><button type="submit">Abmelden</button></noscript></form>',
  );
  return page(
    'Abmelden',
    `<h1>Du wirst abgemeldet …</h1>
${confirmed}`,
    `<script>document.addEventListener('DOMContentLoaded',function(){document.forms[0].submit()})</script>`,
  );
}

export function logoutSuccessPage() {
  return page(
    'Abgemeldet',
    '<h1>Du bist abgemeldet.</h1><p>Du kannst dieses Fenster schließen.</p>',
  );
}

export function errorPage(message: string, details: Record<string, string | undefined> = {}) {
  const lines = Object.entries(details)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
    .join('\n');
  return page('Fehler bei der Anmeldung', `<h1>${escapeHtml(message)}</h1>\n${lines}`);
}
