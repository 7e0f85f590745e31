// Process entry of the dev OIDC provider: `bun infra/src/oidc/main.ts`. Stops on SIGINT/SIGTERM.

import { devOidcOptionsFromEnv, loadOidcEnv } from './env.ts';
import { startDevOidc } from './provider.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let options: ReturnType<typeof devOidcOptionsFromEnv>;
try {
  options = devOidcOptionsFromEnv(loadOidcEnv());
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const oidc = await startDevOidc(options).catch((error: unknown) =>
  fail(`dev OIDC provider did not start: ${error instanceof Error ? error.message : error}`),
);

console.log(
  JSON.stringify({
    time: new Date().toISOString(),
    level: 'info',
    service: 'dev-oidc',
    msg: 'listening',
    issuer: oidc.issuer,
    port: oidc.port,
    keys_file: options.keysFile,
  }),
);

let stopping = false;
async function shutdown(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ level: 'info', service: 'dev-oidc', msg: 'stopping', signal }));
  await oidc.stop();
  process.exit(0);
}

process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
