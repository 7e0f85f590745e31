// The whole stack on one machine: PostgreSQL + PostGIS, NATS, the dev OIDC provider, core,
// relay, workers, edge, web and Caddy in front. `up` runs it on the fixed ports; the browser tests
// run it on free ports in a throw-away data directory. Same commands as production.
//
// Topology `ha` (`up --ha`, the chaos run) doubles everything that can be doubled: two cores,
// relays, worker processes and edges (Caddy balances over both), a streaming replica that the
// edges read from, and a three-node NATS JetStream cluster with stream GEWEBE kept three times.
// The second instances, the replica and the other NATS nodes take free ports.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadBasemap } from '@weltgewebe/db/basemap';
import { importOsmIfNew } from '@weltgewebe/db/basemap/osm';
import { loadGazetteer } from '@weltgewebe/db/gazetteer';
import { migrate } from '@weltgewebe/db/migrate';
import { seedDemo } from '@weltgewebe/db/seed';
import { archiveSettings, ensureStanza, localBackrest } from '../backup/pgbackrest.ts';
import { freePort, waitForHttp } from '../services/free-port.ts';
import { startNats } from '../services/nats.ts';
import { type NatsClusterHandle, startNatsCluster } from '../services/nats-cluster.ts';
import { startPostgres } from '../services/postgres.ts';
import { type ReplicaHandle, startReplica } from '../services/postgres-replica.ts';
import { findBinary } from '../services/system-packages.ts';
import { startSmtpSink } from './mail-catcher.ts';
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

/** `single`: one of each (the default). `ha`: two of each, a replica, a NATS cluster. */
export type StackTopology = 'single' | 'ha';

export interface StackOptions {
  dataDir: string;
  ports: StackPorts;
  ephemeral: boolean;
  seed: boolean;
  topology?: StackTopology;
  /** Start the web app (default true); the chaos run talks to /trpc only. */
  web?: boolean;
  /** Load the gazetteer and the basemap (default true). */
  places?: boolean;
  /** Extra environment for core, relay and workers (e.g. a higher COMMANDS_PER_MINUTE). */
  coreEnv?: Record<string, string>;
  /** Where service output goes: our stdout with prefixes, or one log file per service. */
  output: 'prefix' | { logDir: string };
  log: (line: string) => void;
  /**
   * Archive WAL and keep nightly base backups with pgBackRest in `dir` (`up`); the backup
   * service answers /metrics on `port`.
   */
  backup?: { dir: string; port: number };
  /** The newest OpenStreetMap extract here is imported into the basemap once (`.data/osm`). */
  osmDir?: string;
  /**
   * The workers send their e-mails (notifications, area alerts, report outcomes) to a local
   * mail catcher that writes each one into `dir` as an .eml file; nothing leaves the machine.
   */
  mail?: { dir: string };
}

export interface RunningStack {
  url: string;
  issuer: string;
  ports: StackPorts;
  topology: StackTopology;
  databaseUrl: string;
  natsUrl: string;
  /** Services by name (`core`, `edge`, … and `core2`, `edge2`, … in the HA topology). */
  services: Map<string, ServiceProcess>;
  /** Health or readiness URL of each service, for waiting after a restart. */
  readyUrls: Map<string, string>;
  /** HA topology: the streaming replica the edges read from. */
  replica: ReplicaHandle | null;
  /** HA topology: the three NATS nodes. */
  natsCluster: NatsClusterHandle | null;
  /** Where the mail catcher writes the e-mails (with `mail`), else null. */
  mailDir: string | null;
  /** Starts a service again (after it was killed) and waits until it is ready. */
  restartService(name: string): Promise<void>;
  /**
   * Replaces a running service the way a deploy does: SIGTERM (it drains, then stops), then
   * the same command with `env` laid over its environment (e.g. another RELEASE). Resolves
   * once the new process listens; readiness is the caller's to wait for.
   */
  replaceService(
    name: string,
    env: Record<string, string>,
    opts?: { exact?: boolean },
  ): Promise<void>;
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
  const ha = opts.topology === 'ha';
  mkdirSync(opts.dataDir, { recursive: true });
  const started: Array<{ stop(): Promise<void> }> = [];
  const services = new Map<string, ServiceProcess>();
  const readyUrls = new Map<string, string>();
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
    if (opts.places !== false) {
      // Search needs real places ("Hamb" finds Hamburg); skipped when already loaded.
      await loadGazetteer(ownerUrl, { log });
      // The self-hosted basemap (land, water, borders, labels); skipped when already loaded.
      await loadBasemap(ownerUrl, { log });
    }
    // Streets from an OpenStreetMap extract, if one is placed there (README: Basemap).
    if (opts.osmDir) await importOsmIfNew(ownerUrl, opts.osmDir, { log });
    // Cloned after the loads, so it starts with them instead of streaming them.
    const replica = ha
      ? await startReplica({ primary: pg, dataDir: join(opts.dataDir, 'pg-replica'), log })
      : null;
    if (replica) started.push(replica);
    let natsUrl: string;
    let natsCluster: NatsClusterHandle | null = null;
    if (ha) {
      natsCluster = await startNatsCluster({
        dir: join(opts.dataDir, 'nats-cluster'),
        ports: [ports.nats],
        monitorPorts: [ports.natsMonitor],
      });
      started.push(natsCluster);
      natsUrl = natsCluster.url;
    } else {
      const nats = await startNats({
        storeDir: join(opts.dataDir, 'nats'),
        port: ports.nats,
        monitorPort: ports.natsMonitor,
      });
      started.push(nats);
      natsUrl = nats.url;
    }

    const site = `http://localhost:${ports.caddy}`;
    const issuer = `http://localhost:${ports.oidc}`;
    const common = {
      NATS_URL: natsUrl,
      OIDC_ISSUER: issuer,
      OIDC_AUDIENCE: 'weltgewebe',
      ROLE_CLAIM_PATH: 'realm_access.roles',
      LOG_LEVEL: 'info',
    };
    const logDir = opts.output === 'prefix' ? null : opts.output.logDir;
    if (logDir) mkdirSync(logDir, { recursive: true });
    const waitReady = async (service: ServiceProcess, readyUrl: string) => {
      const exited = service.proc.exited.then((code) => {
        throw new Error(
          `${service.name} exited with ${code} while starting${logDir ? ` (log: ${join(logDir, `${service.name}.log`)})` : ''}`,
        );
      });
      try {
        await Promise.race([waitForHttp(readyUrl, 60_000), exited]);
      } finally {
        exited.catch(() => {});
      }
    };
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
      readyUrls.set(name, readyUrl);
      await waitReady(service, readyUrl);
    };
    /** The first instance on the configured port, a second one (HA) on a free port. */
    const instances = async (name: string, port: number) =>
      ha
        ? [
            { name, port },
            { name: `${name}2`, port: await freePort() },
          ]
        : [{ name, port }];
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
    // HA: edges, cores and webs drain before they stop, so rolling one of them drops nothing
    // (Caddy's health checks run every 3 s).
    const drainEnv: Record<string, string> = ha ? { DRAIN_MS: '4000' } : {};
    const mail = opts.mail ? await startSmtpSink({ dir: opts.mail.dir }) : null;
    if (mail) {
      started.push(mail);
      log(`e-mails go to a local catcher and are written to ${opts.mail!.dir}`);
    }
    const coreEnv = {
      ...common,
      CORE_DATABASE_URL: pg.url(undefined, 'weltgewebe_core'),
      ...(mail ? { SMTP_URL: mail.url } : {}),
      ...(ha ? { NATS_STREAM_REPLICAS: '3' } : {}),
      ...opts.coreEnv,
    };
    const cores = await instances('core', ports.core);
    await Promise.all(
      cores.map((c) =>
        start(
          c.name,
          [bun, 'core/src/main.ts'],
          { ...coreEnv, ...drainEnv, PORT: String(c.port) },
          `http://127.0.0.1:${c.port}/health/live`,
        ),
      ),
    );
    const relays = await instances('relay', ports.relay);
    await Promise.all(
      relays.map((r) =>
        start(
          r.name,
          [bun, 'core/src/relay-main.ts'],
          { ...coreEnv, RELAY_PORT: String(r.port) },
          `http://127.0.0.1:${r.port}/health/ready`,
        ),
      ),
    );
    const workers = await instances('workers', ports.workers);
    await Promise.all(
      workers.map((w) =>
        start(
          w.name,
          [bun, 'core/src/workers/main.ts'],
          { ...coreEnv, WORKERS_PORT: String(w.port), PUBLIC_BASE_URL: site },
          `http://127.0.0.1:${w.port}/health/ready`,
        ),
      ),
    );
    const edges = await instances('edge', ports.edge);
    await Promise.all(
      edges.map((e) =>
        start(
          e.name,
          [bun, 'edge/src/main.ts'],
          {
            ...common,
            ...drainEnv,
            PORT: String(e.port),
            EDGE_DATABASE_URL: pg.url(undefined, 'weltgewebe_edge'),
            ...(replica
              ? { EDGE_DATABASE_REPLICA_URL: replica.url(undefined, 'weltgewebe_edge') }
              : {}),
            CORE_URL: cores.map((c) => `http://127.0.0.1:${c.port}`).join(','),
            ALLOWED_ORIGINS: `${site},http://127.0.0.1:${ports.caddy}`,
            PUBLIC_ORIGIN: site,
          },
          `http://127.0.0.1:${e.port}/health/ready`,
        ),
      ),
    );
    const webs = opts.web === false ? [] : await instances('web', ports.web);
    if (webs.length) ensureWebBuild(log);
    await Promise.all(
      webs.map((w) =>
        start(
          w.name,
          [bun, 'web/serve.js'],
          {
            ...common,
            ...drainEnv,
            PORT: String(w.port),
            HOST: '127.0.0.1',
            ORIGIN: site,
            EDGE_URL: `http://127.0.0.1:${ports.edge}`,
            OIDC_CLIENT_ID: 'weltgewebe-web',
            OIDC_CLIENT_SECRET: 'dev-secret',
            // The front door's agreement with the web (see the Caddyfile): it keeps idle
            // connections longer than Caddy reuses them, and Caddy refuses larger bodies first.
            KEEP_ALIVE_TIMEOUT: '75',
            BODY_SIZE_LIMIT: '512K',
          },
          `http://127.0.0.1:${w.port}/health/live`,
        ),
      ),
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
        EDGE_UPSTREAMS: edges.map((e) => `127.0.0.1:${e.port}`).join(' '),
        WEB_UPSTREAMS: (webs.length ? webs : [{ port: ports.web }])
          .map((w) => `127.0.0.1:${w.port}`)
          .join(' '),
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
      topology: ha ? 'ha' : 'single',
      databaseUrl: ownerUrl,
      natsUrl,
      services,
      readyUrls,
      replica,
      natsCluster,
      mailDir: opts.mail?.dir ?? null,
      async restartService(name) {
        const service = services.get(name);
        const readyUrl = readyUrls.get(name);
        if (!service || !readyUrl) throw new Error(`no service ${name}`);
        service.respawn();
        await waitReady(service, readyUrl);
      },
      async replaceService(name, env, replaceOpts) {
        const service = services.get(name);
        if (!service) throw new Error(`no service ${name}`);
        await service.stop();
        service.respawn(env, replaceOpts?.exact);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
