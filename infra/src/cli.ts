// `bun infra/src/cli.ts up|test|migrate|seed`: the local stack and the whole test suite.
// The README's two commands (`npm run up`, `npm test`) end up here after infra/bin/weltgewebe
// has installed Bun and the dependencies.

import { join } from 'node:path';
import { runTests } from './run-tests.ts';
import { ensureSystemPackages } from './services/system-packages.ts';
import { DEFAULT_PORTS, REPO_ROOT, startStack } from './stack/stack.ts';

const log = (line: string) => console.log(`\x1b[1mweltgewebe\x1b[0m │ ${line}`);

function portsFromEnv() {
  const ports = { ...DEFAULT_PORTS };
  const map: Record<string, keyof typeof DEFAULT_PORTS> = {
    WG_PORT: 'caddy',
    WEB_PORT: 'web',
    EDGE_PORT: 'edge',
    CORE_PORT: 'core',
    OIDC_PORT: 'oidc',
    RELAY_PORT: 'relay',
    WORKERS_PORT: 'workers',
    PG_PORT: 'postgres',
    NATS_PORT: 'nats',
    NATS_MONITOR_PORT: 'natsMonitor',
  };
  for (const [name, key] of Object.entries(map)) {
    const value = process.env[name];
    if (!value) continue;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${name} must be a port number, got "${value}"`);
    ports[key] = port;
  }
  return ports;
}

async function up() {
  ensureSystemPackages({ forTests: false, log });
  const stack = await startStack({
    dataDir: join(REPO_ROOT, '.data'),
    ports: portsFromEnv(),
    ephemeral: false,
    seed: process.env.SEED_DEMO !== 'false',
    output: 'prefix',
    log,
  });
  log(
    `Weltgewebe is up: ${stack.url}  (demo users reader / weaver / admin, password "demo"; Ctrl-C stops)`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping …');
    await stack.stop();
    log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const [name, service] of stack.services) {
    service.proc.exited.then(async (code) => {
      // Ctrl-C signals every process of the group; give our own handler the first word.
      await Bun.sleep(1_000);
      if (!stopping) {
        log(`${name} exited unexpectedly (${code}); stopping everything`);
        void stop();
      }
    });
  }
}

const command = process.argv[2];
switch (command) {
  case 'up':
    await up();
    break;
  case 'test':
    ensureSystemPackages({ forTests: true, log });
    process.exit(await runTests(process.argv.slice(3), log));
    break;
  default:
    console.log(`usage: bun infra/src/cli.ts <command>

  up      install what is missing, start the whole stack with demo data on http://localhost:8080
  test    run every test (unit, integration, browser) against real services; ends "N passed, N failed"

environment for up: WG_PORT (8080), WEB_PORT, EDGE_PORT, CORE_PORT, OIDC_PORT, RELAY_PORT,
PG_PORT (54329), NATS_PORT (4223), NATS_MONITOR_PORT (8223), SEED_DEMO (true)`);
    process.exit(command ? 2 : 0);
}
