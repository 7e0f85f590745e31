// The whole local stack (PostgreSQL, NATS, OIDC, core, relay, workers, edge, web, Caddy) on
// free loopback ports in a throw-away data directory, for the front-door attack test and the
// soak: the same processes and Caddyfile as `npm run up`, nothing on the default ports.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../services/free-port.ts';
import { REPO_ROOT, type RunningStack, type StackPorts, startStack } from '../stack/stack.ts';

export interface LoadStack extends RunningStack {
  dataDir: string;
  /** The front door as an IP URL (no name lookup in the load loops). */
  base: string;
  logDir: string;
}

export async function startLoadStack(log: (line: string) => void): Promise<LoadStack> {
  const dataDir = join(REPO_ROOT, '.data', `load-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const ports: StackPorts = {
    caddy: await freePort(),
    web: await freePort(),
    edge: await freePort(),
    core: await freePort(),
    oidc: await freePort(),
    relay: await freePort(),
    workers: await freePort(),
    postgres: await freePort(),
    nats: await freePort(),
    natsMonitor: await freePort(),
  };
  const logDir = join(dataDir, 'logs');
  const stack = await startStack({
    dataDir,
    ports,
    ephemeral: true,
    seed: true,
    output: { logDir },
    log,
  });
  return {
    ...stack,
    dataDir,
    logDir,
    base: `http://127.0.0.1:${ports.caddy}`,
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
