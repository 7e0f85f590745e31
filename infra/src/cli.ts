// `bun infra/src/cli.ts up|test|chaos`: the local stack, the whole test suite and the chaos run.
// The README's commands (`npm run up`, `npm test`, `npm run chaos`) end up here after
// infra/bin/weltgewebe has installed Bun and the dependencies.

import { join } from 'node:path';
import { runTests } from './run-tests.ts';
import { ensureSystemPackages } from './services/system-packages.ts';
import { DEFAULT_PORTS, REPO_ROOT, type StackTopology, startStack } from './stack/stack.ts';

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

/** `--ha` or `--topology=ha`: the doubled topology; anything else is the default. */
function topologyFrom(args: string[]): StackTopology {
  if (args.includes('--ha')) return 'ha';
  const named = args.find((a) => a.startsWith('--topology='))?.slice('--topology='.length);
  if (named === undefined || named === 'single') return 'single';
  if (named === 'ha') return 'ha';
  throw new Error(`unknown topology "${named}" (single or ha)`);
}

async function up(args: string[]) {
  ensureSystemPackages({ forTests: false, log });
  const topology = topologyFrom(args);
  const stack = await startStack({
    // The HA topology keeps its own data (replica, NATS cluster) beside the default one.
    dataDir: join(REPO_ROOT, '.data', ...(topology === 'ha' ? ['ha'] : [])),
    ports: portsFromEnv(),
    ephemeral: false,
    seed: process.env.SEED_DEMO !== 'false',
    topology,
    output: 'prefix',
    log,
  });
  if (topology === 'ha') {
    const port = (name: string) => new URL(stack.readyUrls.get(name)!).port;
    log(
      `HA topology: edges :${port('edge')} :${port('edge2')}, cores :${port('core')} :${port('core2')}, ` +
        `relays :${port('relay')} :${port('relay2')}, workers :${port('workers')} :${port('workers2')}, ` +
        `PostgreSQL primary :${stack.ports.postgres} replica :${stack.replica!.port}, NATS ${stack.natsUrl}`,
    );
  }
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
    await up(process.argv.slice(3));
    break;
  case 'chaos':
    ensureSystemPackages({ forTests: false, log });
    // Loaded only here: the chaos run reads the workers' own handler lists.
    process.exit(
      await (await import('./chaos/chaos-cli.ts')).runChaosCommand(process.argv.slice(3), log),
    );
    break;
  case 'test':
    ensureSystemPackages({ forTests: true, log });
    process.exit(await runTests(process.argv.slice(3), log));
    break;
  default:
    console.log(`usage: bun infra/src/cli.ts <command>

  up      install what is missing, start the whole stack with demo data on http://localhost:8080
          --ha: two edges, cores, relays and worker processes, a PostgreSQL streaming replica
          and a three-node NATS JetStream cluster (data in .data/ha)
  test    run every test (unit, integration, browser) against real services; ends "N passed, N failed"
  chaos   start the HA topology on free ports, put load on it and kill -9 one process of each
          kind in turn; ends "chaos: N commands acknowledged, 0 lost, …" (--short: about 45 s)

environment for up: WG_PORT (8080), WEB_PORT, EDGE_PORT, CORE_PORT, OIDC_PORT, RELAY_PORT,
PG_PORT (54329), NATS_PORT (4223), NATS_MONITOR_PORT (8223), SEED_DEMO (true)`);
    process.exit(command ? 2 : 0);
}
