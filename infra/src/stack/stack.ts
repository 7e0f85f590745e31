// The whole stack on one machine: PostgreSQL + PostGIS, NATS, the dev OIDC provider, core,
// relay, workers, edge, web and Caddy in front. `up` runs it on the fixed ports; the browser tests
// run it on free ports in a throw-away data directory. Same commands as production.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadBasemap } from '@weltgewebe/db/basemap';
import { loadGazetteer } from '@weltgewebe/db/gazetteer';
import { migrate } from '@weltgewebe/db/migrate';
import { seedDemo } from '@weltgewebe/db/seed';
import { archiveSettings, ensureStanza, localBackrest } from '../backup/pgbackrest.ts';
import { waitForHttp } from '../services/free-port.ts';
import { startNats } from '../services/nats.ts';
import { startPostgres } from '../services/postgres.ts';
import { findBinary } from '../services/system-packages.ts';
import { type ServiceProcess, spawnService } from './processes.ts';

export const REPO_ROOT = join(import.meta.dir, '../../..');

export interface StackPorts {
  caddy: number;
  web: number;
  edge: number;
  core: number;
  oidc: number;
  relay: number;
  workers: number;
  postgres: number;
  nats: number;
  natsMonitor: number;
}

export const DEFAULT_PORTS: StackPorts = {
  caddy: 8080,
  web: 3000,
  edge: 3001,
  core: 3002,
  oidc: 3003,
  relay: 3004,
  workers: 3005,
  postgres: 54329,
  nats: 4223,
  natsMonitor: 8223,
};

export interface StackOptions {
  dataDir: string;
  ports: StackPorts;
  ephemeral: boolean;
  seed: boolean;
  /** Where service output goes: our stdout with prefixes, or one log file per service. */
  output: 'prefix' | { logDir: string };
  log: (line: string) => void;
  /**
   * Archive WAL and keep nightly base backups with pgBackRest in `dir` (`up`); the backup
   * service answers /metrics on `port`.
   */
  backup?: { dir: string; port: number };
}

export interface RunningStack {
  url: string;
  issuer: string;
  ports: StackPorts;
  databaseUrl: string;
  natsUrl: string;
  /** Stops one service (for failure tests); `restart` starts it again. */
  services: Map<string, ServiceProcess>;
  stop(): Promise<void>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the web app when its build is missing or older than its sources. */
export function ensureWebBuild(log: (line: string) => void) {
  const web = join(REPO_ROOT, 'web');
  const built = join(web, 'build', 'index.js');
  const sourcesChanged = () =>
    Math.max(
      newestMtime(join(web, 'src')),
      newestMtime(join(web, 'static')),
      statSync(join(web, 'package.json')).mtimeMs,
      statSync(join(web, 'vite.config.ts')).mtimeMs,
      statSync(join(web, 'svelte.config.js')).mtimeMs,
    );
  if (existsSync(built) && statSync(built).mtimeMs >= sourcesChanged()) return;
  log('building the web app …');
  const result = Bun.spawnSync([process.execPath, 'run', 'build'], {
    cwd: web,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (result.exitCode !== 0) {
    throw new Error(`web build failed:\n${result.stdout.toString()}\n${result.stderr.toString()}`);
  }
}

export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const { ports, log } = opts;
  mkdirSync(opts.dataDir, { recursive: true });
  const started: Array<{ stop(): Promise<void> }> = [];
  const services = new Map<string, ServiceProcess>();
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    started.length = 0;
  };
  try {
    const backrest = opts.backup
      ? localBackrest(opts.backup.dir, { dataDir: join(opts.dataDir, 'pg'), port: ports.postgres })
      : null;
    const pg = await startPostgres({
      dataDir: join(opts.dataDir, 'pg'),
      port: ports.postgres,
      ephemeral: opts.ephemeral,
      ...(backrest ? { archive: archiveSettings(backrest) } : {}),
    });
    started.push(pg);
    if (backrest) await ensureStanza(backrest, log);
    const ownerUrl = pg.url();
    const applied = await migrate(ownerUrl, { log });
    if (applied.length === 0) log('database schema up to date');
    if (opts.seed) await seedDemo(ownerUrl, { log });
    // Search needs real places ("Hamb" finds Hamburg); skipped when already loaded.
    await loadGazetteer(ownerUrl, { log });
    // The self-hosted basemap (land, water, borders, labels); skipped when already loaded.
    await loadBasemap(ownerUrl, { log });
    const nats = await startNats({
      storeDir: join(opts.dataDir, 'nats'),
      port: ports.nats,
      monitorPort: ports.natsMonitor,
    });
    started.push(nats);

    const site = `http://localhost:${ports.caddy}`;
    const issuer = `http://localhost:${ports.oidc}`;
    const common = {
      NATS_URL: nats.url,
      OIDC_ISSUER: issuer,
      OIDC_AUDIENCE: 'weltgewebe',
      ROLE_CLAIM_PATH: 'realm_access.roles',
      LOG_LEVEL: 'info',
    };
    const logDir = opts.output === 'prefix' ? null : opts.output.logDir;
    if (logDir) mkdirSync(logDir, { recursive: true });
    const start = async (
      name: string,
      argv: string[],
      env: Record<string, string>,
      readyUrl: string,
    ) => {
      const service = spawnService({
        name,
        argv,
        env,
        cwd: REPO_ROOT,
        output: logDir ? { kind: 'file', path: join(logDir, `${name}.log`) } : { kind: 'prefix' },
      });
      started.push(service);
      services.set(name, service);
      const exited = service.proc.exited.then((code) => {
        throw new Error(
          `${name} exited with ${code} while starting${logDir ? ` (log: ${join(logDir, `${name}.log`)})` : ''}`,
        );
      });
      await Promise.race([waitForHttp(readyUrl, 60_000), exited]);
      exited.catch(() => {});
    };
    const bun = process.execPath;
    await start(
      'oidc',
      [bun, 'infra/src/oidc/main.ts'],
      {
        OIDC_PORT: String(ports.oidc),
        OIDC_ISSUER: issuer,
        OIDC_REDIRECT_URIS: `${site}/auth/callback,http://127.0.0.1:${ports.caddy}/auth/callback`,
        OIDC_POST_LOGOUT_REDIRECT_URIS: `${site}/,http://127.0.0.1:${ports.caddy}/`,
        OIDC_KEYS_FILE: join(opts.dataDir, 'oidc', 'jwks.json'),
        OIDC_LOG: 'false',
      },
      `http://127.0.0.1:${ports.oidc}/health/ready`,
    );
    await start(
      'core',
      [bun, 'core/src/main.ts'],
      {
        ...common,
        PORT: String(ports.core),
        CORE_DATABASE_URL: pg.url(undefined, 'weltgewebe_core'),
      },
      `http://127.0.0.1:${ports.core}/health/live`,
    );
    await start(
      'relay',
      [bun, 'core/src/relay-main.ts'],
      {
        ...common,
        RELAY_PORT: String(ports.relay),
        CORE_DATABASE_URL: pg.url(undefined, 'weltgewebe_core'),
      },
      `http://127.0.0.1:${ports.relay}/health/ready`,
    );
    await start(
      'workers',
      [bun, 'core/src/workers/main.ts'],
      {
        ...common,
        WORKERS_PORT: String(ports.workers),
        CORE_DATABASE_URL: pg.url(undefined, 'weltgewebe_core'),
        PUBLIC_BASE_URL: site,
      },
      `http://127.0.0.1:${ports.workers}/health/ready`,
    );
    await start(
      'edge',
      [bun, 'edge/src/main.ts'],
      {
        ...common,
        PORT: String(ports.edge),
        EDGE_DATABASE_URL: pg.url(undefined, 'weltgewebe_edge'),
        CORE_URL: `http://127.0.0.1:${ports.core}`,
        ALLOWED_ORIGINS: `${site},http://127.0.0.1:${ports.caddy}`,
      },
      `http://127.0.0.1:${ports.edge}/health/ready`,
    );
    ensureWebBuild(log);
    await start(
      'web',
      [bun, 'web/build/index.js'],
      {
        ...common,
        PORT: String(ports.web),
        HOST: '127.0.0.1',
        ORIGIN: site,
        EDGE_URL: `http://127.0.0.1:${ports.edge}`,
        OIDC_CLIENT_ID: 'weltgewebe-web',
        OIDC_CLIENT_SECRET: 'dev-secret',
      },
      `http://127.0.0.1:${ports.web}/health/live`,
    );
    if (backrest && opts.backup) {
      // Nightly backups (the first one at once) and backup metrics; no drill here.
      await start(
        'backup',
        [bun, 'infra/src/backup/backup-service.ts'],
        {
          BACKUP_PORT: String(opts.backup.port),
          PGBACKREST_CONFIG: backrest.configPath,
          DATABASE_URL: ownerUrl,
          PGDATA: pg.dataDir,
          BACKUP_STATE_DIR: backrest.dir,
          DISK_PATHS: `${opts.dataDir},${backrest.dir}`,
        },
        `http://127.0.0.1:${opts.backup.port}/health/live`,
      );
    }
    const caddyHome = join(opts.dataDir, 'caddy');
    await start(
      'caddy',
      [
        findBinary('caddy', ['/usr/bin/caddy']),
        'run',
        '--config',
        join(REPO_ROOT, 'Caddyfile'),
        '--adapter',
        'caddyfile',
      ],
      {
        SITE_ADDRESS: `:${ports.caddy}`,
        EDGE_UPSTREAMS: `127.0.0.1:${ports.edge}`,
        WEB_UPSTREAM: `127.0.0.1:${ports.web}`,
        OIDC_ISSUER_ORIGIN: issuer,
        XDG_DATA_HOME: join(caddyHome, 'data'),
        XDG_CONFIG_HOME: join(caddyHome, 'config'),
      },
      `http://127.0.0.1:${ports.caddy}/health`,
    );
    return {
      url: site,
      issuer,
      ports,
      databaseUrl: ownerUrl,
      natsUrl: nats.url,
      services,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
