// The whole local stack (PostgreSQL, NATS, OIDC, core, relay, workers, edge, web, Caddy) on
// free loopback ports in a throw-away data directory (.data/<name>-<pid>, removed on stop): the
// same processes and Caddyfile as `npm run up`, nothing on the default ports. The browser
// tests, the front-door attack test and the soak start it this way.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../services/free-port.ts';
import { REPO_ROOT, type RunningStack, type StackPorts, startStack } from './stack.ts';

export interface ThrowawayStack extends RunningStack {
  dataDir: string;
  /** The front door as an IP URL (no name lookup in load loops). */
  base: string;
  logDir: string;
}

export interface ThrowawayStackOptions {
  /** Names the data directory: `.data/<name>-<pid>`. */
  name: string;
  log: (line: string) => void;
  /** One log file per service here (default: `logs` in the data directory, removed on stop). */
  logDir?: string;
  /** Writes OpenStreetMap extracts into this directory; the stack imports the newest. */
  osmExtracts?: (dir: string) => void;
  /** Catch the workers' e-mails in `mail` in the data directory (stack.mailDir). */
  mail?: boolean;
  /** Extra environment for core, relay and workers. */
  coreEnv?: Record<string, string>;
}

/** A free loopback port for every process of the single topology. */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
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
}

export async function startThrowawayStack(opts: ThrowawayStackOptions): Promise<ThrowawayStack> {
  const dataDir = join(REPO_ROOT, '.data', `${opts.name}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const ports = await freeStackPorts();
  const logDir = opts.logDir ?? join(dataDir, 'logs');
  let osmDir: string | undefined;
  if (opts.osmExtracts) {
    osmDir = join(dataDir, 'osm');
    mkdirSync(osmDir, { recursive: true });
    opts.osmExtracts(osmDir);
  }
  let stack: RunningStack;
  try {
    stack = await startStack({
      dataDir,
      ports,
      ephemeral: true,
      seed: true,
      output: { logDir },
      log: opts.log,
      ...(osmDir ? { osmDir } : {}),
      ...(opts.mail ? { mail: { dir: join(dataDir, 'mail') } } : {}),
      ...(opts.coreEnv ? { coreEnv: opts.coreEnv } : {}),
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
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
