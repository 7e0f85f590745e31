// The production and ops files are checked with the real tools (caddy, promtool), the
// compose file against the packages' own entry points, and the Caddyfile is run for real
// in front of two small Bun servers standing in for edge and web.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { freePort } from './services/free-port.ts';

const ROOT = resolve(import.meta.dir, '../..');
const CADDYFILE = join(ROOT, 'Caddyfile');
const caddyBin = Bun.which('caddy');
const promtoolBin = Bun.which('promtool');

if (!caddyBin) console.warn('ops-config: caddy is not installed, skipping the Caddy checks');
if (!promtoolBin) console.warn('ops-config: promtool is not installed, skipping promtool checks');

const scratch = mkdtempSync(join(tmpdir(), 'weltgewebe-ops-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An environment with nothing from the caller's shell that the Caddyfile reads. */
function caddyEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    ...extra,
  };
}

function run(cmd: string[], env?: Record<string, string>) {
  const result = Bun.spawnSync(cmd, { cwd: ROOT, env, stdout: 'pipe', stderr: 'pipe' });
  return {
    exitCode: result.exitCode,
    output: `${result.stdout.toString()}${result.stderr.toString()}`,
  };
}

const readText = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** `${NAME}` as compose and Keycloak write it (a placeholder, not a template string). */
const placeholder = (name: string) => `\${${name}}`;

// ---------------------------------------------------------------------------------------
describe('Caddyfile', () => {
  test.skipIf(!caddyBin)('is valid with the local defaults', () => {
    const result = run(
      [caddyBin!, 'validate', '--config', CADDYFILE, '--adapter', 'caddyfile'],
      caddyEnv(),
    );
    expect(result.output).toContain('Valid configuration');
    expect(result.exitCode).toBe(0);
  });

  test.skipIf(!caddyBin)(
    'is valid as production runs it (domain, two edges, HSTS, auth site)',
    () => {
      // Same layout as the caddy container: the Caddyfile with sites.d/ beside it.
      const etc = join(scratch, 'etc-caddy');
      mkdirSync(etc, { recursive: true });
      cpSync(CADDYFILE, join(etc, 'Caddyfile'));
      cpSync(join(ROOT, 'infra/deploy/caddy-sites'), join(etc, 'sites.d'), { recursive: true });
      const env = caddyEnv({
        SITE_ADDRESS: 'weltgewebe.example.org',
        AUTH_SITE_ADDRESS: 'auth.weltgewebe.example.org',
        EDGE_UPSTREAMS: 'edge:3001 edge2:3001',
        WEB_UPSTREAMS: 'web:3000',
        KEYCLOAK_UPSTREAM: 'keycloak:8080',
        OIDC_ISSUER_ORIGIN: 'https://auth.weltgewebe.example.org',
        HSTS: 'max-age=31536000; includeSubDomains',
        CADDY_ADMIN: 'localhost:2019',
      });
      const caddyfile = join(etc, 'Caddyfile');
      const validated = run(
        [caddyBin!, 'validate', '--config', caddyfile, '--adapter', 'caddyfile'],
        env,
      );
      expect(validated.output).toContain('Valid configuration');
      expect(validated.exitCode).toBe(0);

      const adapted = run(
        [caddyBin!, 'adapt', '--config', caddyfile, '--adapter', 'caddyfile'],
        env,
      );
      expect(adapted.exitCode).toBe(0);
      const json = adapted.output.slice(adapted.output.indexOf('{"admin"'));
      const config = JSON.parse(json.slice(0, json.lastIndexOf('}') + 1));
      expect(config.admin.listen).toBe('localhost:2019');
      const dumped = JSON.stringify(config);
      expect(dumped).toContain('"dial":"edge:3001"');
      expect(dumped).toContain('"dial":"edge2:3001"');
      expect(dumped).toContain('"dial":"keycloak:8080"');
      expect(dumped).toContain('auth.weltgewebe.example.org');
      expect(dumped).toContain("form-action 'self' https://auth.weltgewebe.example.org");
    },
  );
});

// ---------------------------------------------------------------------------------------
describe('Prometheus and Grafana', () => {
  test.skipIf(!promtoolBin)('promtool accepts prometheus.yml and alerts.yml', () => {
    const config = run([promtoolBin!, 'check', 'config', 'infra/observability/prometheus.yml']);
    expect(config.output).toContain('SUCCESS');
    expect(config.exitCode).toBe(0);
    const rules = run([promtoolBin!, 'check', 'rules', 'infra/observability/alerts.yml']);
    expect(rules.output).toContain('SUCCESS');
    expect(rules.exitCode).toBe(0);
  });

  test.skipIf(!promtoolBin)('promtool: every alert fires when it should and only then', () => {
    const tested = run([promtoolBin!, 'test', 'rules', 'infra/observability/alerts.test.yml']);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.exitCode).toBe(0);
  });

  test('alerts cover a service going down, 5xx rate, a stuck outbox and a replica away', () => {
    const alerts = parse(readText('infra/observability/alerts.yml')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const byName = new Map(alerts.groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr]));
    expect(byName.get('ServiceDown')).toContain('up{');
    expect(byName.get('HighServerErrorRate')).toContain('status=~"5.."');
    expect(byName.get('OutboxBacklog')).toContain('weltgewebe_outbox_pending');
    // An edge reading from the primary only (replica away) says so.
    expect(byName.get('ReplicaUnavailable')).toContain('weltgewebe_edge_replica_up');
  });

  // The operations issue's list: each alert, the metric it watches, and a dashboard panel.
  const watched: Record<string, string> = {
    BackupTooOld: 'weltgewebe_backup_last_success_timestamp_seconds',
    WalArchiveFailing: 'weltgewebe_wal_archive_last_failure_timestamp_seconds',
    RestoreDrillFailed: 'weltgewebe_restore_drill_success',
    EdgeServerErrors: 'weltgewebe_http_request_duration_seconds_count{service="edge"',
    OutboxLag: 'weltgewebe_outbox_oldest_pending_seconds',
    ConsumerLag: 'weltgewebe_consumer_pending_events',
    DiskAlmostFull: 'weltgewebe_filesystem_used_ratio',
  };

  test('alerts page on backups, WAL archiving, the drill, edge 5xx, lags and disk', () => {
    const alerts = parse(readText('infra/observability/alerts.yml')) as {
      groups: { rules: { alert: string; expr: string; labels: { severity: string } }[] }[];
    };
    const byName = new Map(alerts.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
    for (const [alert, metric] of Object.entries(watched)) {
      expect({ alert, watches: byName.get(alert)?.expr.includes(metric) }).toEqual({
        alert,
        watches: true,
      });
    }
    expect(byName.get('BackupTooOld')!.expr).toContain('> 26 * 3600');
    expect(byName.get('DiskAlmostFull')!.expr).toContain('> 0.8');
  });

  test('Prometheus scrapes every app service on its compose name and port', () => {
    const prom = parse(readText('infra/observability/prometheus.yml')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets));
    for (const target of [
      'web:3000',
      'edge:3001',
      'edge2:3001',
      'core:3002',
      'core2:3002',
      'relay:3004',
      'relay2:3004',
      'workers:3005',
      'workers2:3005',
      'backup:3006',
    ]) {
      expect(targets).toContain(target);
    }
  });

  const dashboard = JSON.parse(
    readText('infra/observability/grafana/dashboards/weltgewebe-overview.json'),
  ) as { panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[] };
  const promExprs = dashboard.panels
    .filter((p) => p.datasource.uid === 'prometheus')
    .flatMap((p) => p.targets.map((t) => t.expr));

  test('the dashboard shows requests, errors, p95, tile cache and outbox lag', () => {
    const all = promExprs.join('\n');
    expect(all).toContain('weltgewebe_http_request_duration_seconds_count');
    expect(all).toContain('histogram_quantile(0.95');
    expect(all).toContain('weltgewebe_tile_cache_hits_total');
    expect(all).toContain('weltgewebe_tile_cache_misses_total');
    expect(all).toContain('weltgewebe_outbox_pending');
    const datasources = parse(
      readText('infra/observability/grafana/provisioning/datasources/datasources.yml'),
    ) as { datasources: { uid: string; type: string }[] };
    const uids = datasources.datasources.map((d) => d.uid);
    for (const panel of dashboard.panels) expect(uids).toContain(panel.datasource.uid);
  });

  test('the dashboard has a panel for each of those alerts', () => {
    for (const [alert, metric] of Object.entries(watched)) {
      const panel = dashboard.panels.find((p) =>
        p.targets.some((t) => t.expr.replaceAll(' ', '').includes(metric.replaceAll(' ', ''))),
      );
      expect({ alert, panel: panel?.title ?? null }).not.toEqual({ alert, panel: null });
    }
  });

  test.skipIf(!promtoolBin)('every dashboard query is valid PromQL', () => {
    // promtool parses rule expressions; Grafana's $__rate_interval becomes a fixed window.
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: promExprs.map((expr, i) => ({
            record: `dashboard:query_${i}`,
            expr: expr.replaceAll('$__rate_interval', '5m'),
          })),
        },
      ],
    };
    const file = join(scratch, 'dashboard-rules.yml');
    writeFileSync(file, JSON.stringify(rules));
    const result = run([promtoolBin!, 'check', 'rules', file]);
    expect(result.output).toContain(`SUCCESS: ${promExprs.length} rules found`);
    expect(result.exitCode).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
describe('docker-compose.yml', () => {
  interface ComposeService {
    image?: string;
    pull_policy?: string;
    build?: { context: string; dockerfile: string };
    command?: string[];
    environment?: Record<string, string>;
    volumes?: string[];
  }
  const compose = parse(readText('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const services = compose.services;

  test('has the whole production stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'postgis',
        'postgis-replica',
        'migrate',
        'nats',
        'nats2',
        'nats3',
        'keycloak',
        'core',
        'core2',
        'relay',
        'relay2',
        'workers',
        'workers2',
        'edge',
        'edge2',
        'web',
        'web2',
        'caddy',
        'prometheus',
        'loki',
        'alloy',
        'grafana',
        'backup',
        // One-shot, profile `osm`: the OpenStreetMap import (infra/deploy/osm-import.sh).
        'osm-import',
      ].sort(),
    );
  });

  /** `bun <dir>/<file>` for a package script such as `"start": "bun src/main.ts"`. */
  function scriptCommand(pkgDir: string, script: string): string[] {
    const pkg = JSON.parse(readText(`${pkgDir}/package.json`)) as {
      scripts: Record<string, string>;
    };
    const [bin, file, ...rest] = pkg.scripts[script]!.split(' ');
    expect(rest).toEqual([]);
    return [bin!, `${pkgDir}/${file}`];
  }

  test('each app service runs its package entry point, as the tests do', () => {
    const expected: Record<string, string[]> = {
      migrate: scriptCommand('db', 'migrate'),
      core: scriptCommand('core', 'start'),
      core2: scriptCommand('core', 'start'),
      relay: scriptCommand('core', 'relay'),
      relay2: scriptCommand('core', 'relay'),
      workers: scriptCommand('core', 'workers'),
      workers2: scriptCommand('core', 'workers'),
      edge: scriptCommand('edge', 'start'),
      edge2: scriptCommand('edge', 'start'),
      web: scriptCommand('web', 'start'),
      web2: scriptCommand('web', 'start'),
    };
    expect(expected.core).toEqual(['bun', 'core/src/main.ts']);
    expect(expected.web).toEqual(['bun', 'web/serve.js']);
    for (const [name, command] of Object.entries(expected)) {
      expect({ name, command: services[name]?.command }).toEqual({ name, command });
    }
  });

  test('every build context, Dockerfile and mounted repository file exists', () => {
    let builds = 0;
    for (const [name, service] of Object.entries(services)) {
      if (service.build) {
        builds++;
        const context = resolve(ROOT, service.build.context);
        expect({ name, context: existsSync(context) }).toEqual({ name, context: true });
        const dockerfile = join(context, service.build.dockerfile);
        expect({ name, dockerfile: existsSync(dockerfile) }).toEqual({ name, dockerfile: true });
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('./')) continue;
        expect({ name, volume, exists: existsSync(join(ROOT, source)) }).toEqual({
          name,
          volume,
          exists: true,
        });
      }
    }
    expect(builds).toBe(6);
  });

  test('our images are built here, never pulled from a registry', () => {
    const built = new Map(
      Object.entries(services)
        .filter(([, s]) => s.build)
        .map(([name, s]) => [s.image!, name]),
    );
    expect([...built.keys()].sort()).toEqual(
      [
        ...['core', 'edge', 'web', 'osm'].map(
          (n) => `weltgewebe-${n}:${placeholder('IMAGE_TAG:-latest')}`,
        ),
        // The database's images are not rolled with the app (infra/deploy/roll.sh).
        ...['postgres', 'backup'].map(
          (n) => `weltgewebe-${n}:${placeholder('PG_IMAGE_TAG:-latest')}`,
        ),
      ].sort(),
    );
    for (const [name, service] of Object.entries(services)) {
      if (!service.image?.startsWith('weltgewebe-')) continue;
      const policy = service.build ? 'build' : 'never';
      expect({ name, pull_policy: service.pull_policy }).toEqual({ name, pull_policy: policy });
      expect({ name, builtBy: built.has(service.image) }).toEqual({ name, builtBy: true });
    }
  });

  test('each image runs by default what compose runs, and checks its health', () => {
    const imageOf: Record<string, string> = {
      'infra/docker/core.Dockerfile': 'core',
      'infra/docker/edge.Dockerfile': 'edge',
      'infra/docker/web.Dockerfile': 'web',
    };
    for (const [dockerfile, service] of Object.entries(imageOf)) {
      const text = readText(dockerfile);
      const cmd = /^CMD (\[.*\])$/m.exec(text);
      expect(JSON.parse(cmd![1]!)).toEqual(services[service]!.command!);
      expect(text).toMatch(/^HEALTHCHECK .*\n?.*infra\/docker\/healthcheck\.ts/m);
      expect(text).toMatch(/^USER bun$/m);
      expect(text).toContain('bun install --frozen-lockfile');
    }
    expect(readText('infra/docker/web.Dockerfile')).toContain(
      'bun run --filter @weltgewebe/web build',
    );
    expect(existsSync(join(ROOT, 'infra/docker/oidc-dev.Dockerfile'))).toBe(true);
  });

  test('runs the HA shape: two of each process, a streaming replica, a three-node NATS cluster', () => {
    const env = (name: string) => services[name]!.environment!;
    // The edges read from the replica (falling back to the primary) and take turns over both cores.
    for (const edge of ['edge', 'edge2']) {
      expect(env(edge).EDGE_DATABASE_URL).toContain('@postgis:5432/');
      expect(env(edge).EDGE_DATABASE_REPLICA_URL).toContain('@postgis-replica:5432/');
      expect(env(edge).CORE_URL!.split(',').sort()).toEqual([
        'http://core2:3002',
        'http://core:3002',
      ]);
    }
    // Every app service knows all three NATS nodes; relays and workers keep GEWEBE three times.
    const natsNodes = ['nats', 'nats2', 'nats3'];
    for (const name of [
      'core',
      'core2',
      'relay',
      'relay2',
      'workers',
      'workers2',
      'edge',
      'edge2',
    ]) {
      const urls = env(name)
        .NATS_URL!.split(',')
        .map((u) => new URL(u).hostname);
      expect({ name, urls: urls.sort() }).toEqual({ name, urls: natsNodes });
    }
    for (const name of ['relay', 'relay2', 'workers', 'workers2']) {
      expect({ name, replicas: env(name).NATS_STREAM_REPLICAS }).toEqual({ name, replicas: '3' });
    }
    // Each node: its own name and store, routes to the two others, JetStream on.
    const stores = new Set<string>();
    for (const node of natsNodes) {
      const command = services[node]!.command!;
      expect(command).toContain('-js');
      const flag = (f: string) => command[command.indexOf(f) + 1]!;
      expect(flag('--cluster_name')).toBe('weltgewebe');
      const routes = flag('--routes')
        .split(',')
        .map((r) => new URL(r).hostname)
        .sort();
      expect({ node, routes }).toEqual({ node, routes: natsNodes.filter((n) => n !== node) });
      stores.add(services[node]!.volumes!.find((v) => v.endsWith(':/data'))!);
    }
    expect(stores.size).toBe(3);
    // The replica clones the primary through the slot the primary's init script makes.
    const replica = services['postgis-replica']!;
    expect(replica.image).toBe(services.postgis!.image);
    const entrypoint = readText('infra/docker/postgres/replica-entrypoint.sh');
    const init = readText('infra/docker/postgres/30-replication.sh');
    expect(entrypoint).toContain('pg_basebackup -h postgis -U weltgewebe_replicator');
    expect(entrypoint).toContain('-S weltgewebe_replica');
    expect(init).toContain("pg_create_physical_replication_slot('weltgewebe_replica')");
    expect(init).toContain('host replication weltgewebe_replicator');
    expect(services.postgis!.volumes).toContain(
      './infra/docker/postgres/30-replication.sh:/docker-entrypoint-initdb.d/30-replication.sh:ro',
    );
  });

  test('in their containers the services listen beyond loopback; TileJSON names the domain', () => {
    // Locally they bind 127.0.0.1 (listen-address.test.ts); Caddy and Prometheus reach them
    // over the compose network here.
    for (const name of ['core', 'relay', 'workers', 'edge', 'edge2']) {
      expect({ name, host: services[name]!.environment!.HOST }).toEqual({ name, host: '0.0.0.0' });
    }
    for (const name of ['edge', 'edge2']) {
      expect(services[name]!.environment!.PUBLIC_ORIGIN).toBe(`https://${placeholder('DOMAIN')}`);
    }
  });

  test('Caddy balances over both edges and serves the real domain', () => {
    const env = services.caddy!.environment!;
    expect(env.EDGE_UPSTREAMS!.split(' ').sort()).toEqual(['edge2:3001', 'edge:3001']);
    expect(env.SITE_ADDRESS).toBe(placeholder('DOMAIN'));
    expect(services.caddy!.volumes).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro');
  });
});

// ---------------------------------------------------------------------------------------
describe('rolling deploys', () => {
  const compose = parse(readText('docker-compose.yml'), { merge: true }) as {
    services: Record<
      string,
      { image?: string; stop_grace_period?: string; environment?: Record<string, string> }
    >;
  };
  const script = readText('infra/deploy/roll.sh');

  test('the deploy rolls the same services in the same order as npm run roll', async () => {
    const { ROLL_ORDER } = await import('./roll/roll.ts');
    const order = /^ORDER=\(([^)]*)\)/m.exec(script)?.[1]?.split(/\s+/).filter(Boolean);
    expect(order).toEqual([...ROLL_ORDER]);
    for (const name of ROLL_ORDER) {
      const service = compose.services[name];
      // Each one reports its release and drains longer than Caddy needs to pass it over.
      expect({ name, release: service?.environment?.RELEASE }).toEqual({
        name,
        release: placeholder('IMAGE_TAG:-latest'),
      });
      if (!name.startsWith('relay') && !name.startsWith('workers')) {
        expect({ name, drain: Number(service?.environment?.DRAIN_MS) }).toEqual({
          name,
          drain: 5000,
        });
        expect({ name, grace: service?.stop_grace_period }).toEqual({ name, grace: '30s' });
      }
    }
  });

  test('the workflow deploys the commit through roll.sh, which is valid bash', () => {
    const workflow = readText('.github/workflows/deploy.yml');
    expect(workflow).toContain('bash infra/deploy/roll.sh');
    expect(workflow).not.toContain('docker compose up -d --remove-orphans');
    const syntax = run(['bash', '-n', join(ROOT, 'infra/deploy/roll.sh')]);
    expect(syntax.output).toBe('');
    expect(syntax.exitCode).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
describe('backups in production', () => {
  const pgbackrestBin = Bun.which('pgbackrest');
  const compose = parse(readText('docker-compose.yml'), { merge: true }) as {
    services: Record<
      string,
      { command?: string[]; environment?: Record<string, string>; volumes?: string[] }
    >;
  };
  const postgis = compose.services.postgis!;
  const backup = compose.services.backup!;
  const CONFIG = 'infra/backup/pgbackrest.conf';
  const setting = (name: string) =>
    postgis.command!.find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1);

  test('PostgreSQL archives WAL through pgBackRest at least every 60 s', () => {
    expect(setting('archive_mode')).toBe('on');
    expect(Number(setting('archive_timeout'))).toBeLessThanOrEqual(60);
    expect(setting('track_commit_timestamp')).toBe('on');
    expect(setting('archive_command')).toBe(
      'pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=weltgewebe archive-push %p',
    );
    for (const service of [postgis, backup]) {
      expect(service.volumes).toContain(`./${CONFIG}:/etc/pgbackrest/pgbackrest.conf:ro`);
      expect(service.volumes).toContain('pgbackrest:/var/lib/pgbackrest');
      expect(service.volumes).toContain('pgsocket:/var/run/postgresql');
    }
    expect(backup.volumes).toContain('pgdata:/var/lib/postgresql/data:ro');
  });

  test('both repositories are encrypted with retention stated; the bucket is repo2', () => {
    const conf = readText(CONFIG);
    for (const line of [
      'repo1-path=/var/lib/pgbackrest',
      'repo1-retention-full=7',
      'repo1-cipher-type=aes-256-cbc',
      'repo2-type=s3',
      'repo2-retention-full=14',
      'repo2-cipher-type=aes-256-cbc',
      'pg1-path=/var/lib/postgresql/data',
    ]) {
      expect(conf.split('\n')).toContain(line);
    }
    // Secrets never in the file: they come from .env through compose.
    expect(conf).not.toMatch(/cipher-pass|s3-key/);
    for (const service of [postgis, backup]) {
      expect(service.environment!.PGBACKREST_REPO1_CIPHER_PASS).toContain('BACKUP_CIPHER_PASS');
      expect(service.environment!.PGBACKREST_REPO2_S3_KEY_SECRET).toContain('BACKUP_S3_KEY_SECRET');
    }
  });

  test.skipIf(!pgbackrestBin)('pgBackRest itself accepts the production configuration', () => {
    const repoDir = mkdtempSync(join(scratch, 'pgbackrest-repo-'));
    const argv = [
      pgbackrestBin!,
      `--config=${join(ROOT, CONFIG)}`,
      '--stanza=weltgewebe',
      '--repo=1',
      `--repo1-path=${repoDir}`,
      `--lock-path=${repoDir}`,
      'info',
    ];
    const secrets = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PGBACKREST_REPO1_CIPHER_PASS: 'x',
      PGBACKREST_REPO2_CIPHER_PASS: 'x',
      PGBACKREST_REPO2_S3_BUCKET: 'b',
      PGBACKREST_REPO2_S3_ENDPOINT: 'fsn1.your-objectstorage.com',
      PGBACKREST_REPO2_S3_REGION: 'fsn1',
      PGBACKREST_REPO2_S3_KEY: 'k',
      PGBACKREST_REPO2_S3_KEY_SECRET: 's',
    };
    const ok = run(argv, secrets);
    // An unknown option is only a warning: the output must have none.
    expect(ok.output).not.toContain('WARN');
    expect(ok.output).toContain('stanza: weltgewebe');
    expect(ok.exitCode).toBe(0);
    // Without the passphrase it refuses: the repository really is encrypted.
    const refused = run(argv, { PATH: secrets.PATH });
    expect(refused.output).toContain('repo1-cipher-pass');
    expect(refused.exitCode).not.toBe(0);
  });

  test('the backup service backs up both repositories nightly and drills the bucket weekly', () => {
    const env = backup.environment!;
    expect(backup.command).toEqual(['bun', 'infra/src/backup/backup-service.ts']);
    expect(env.BACKUP_REPOS).toBe('1,2');
    expect(env.DRILL_ENABLED).toBe('true');
    expect(env.DRILL_REPO).toBe('2');
    expect(env.PGBACKREST_CONFIG).toBe('/etc/pgbackrest/pgbackrest.conf');
    expect(env.DISK_PATHS!.split(',')).toContain('/var/lib/postgresql/data');
    const dockerfile = readText('infra/docker/postgres.Dockerfile');
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!)).toEqual(backup.command);
    expect(dockerfile).toMatch(/apt-get install .*pgbackrest/);
  });

  test('every variable compose requires is in env.production.example', () => {
    const example = readText('infra/env.production.example');
    const uncommented = readText('docker-compose.yml').replace(/^\s*#.*$/gm, '');
    const required = [...uncommented.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!);
    expect(required).toContain('BACKUP_CIPHER_PASS');
    for (const name of new Set(required)) {
      expect({ name, inExample: new RegExp(`^${name}=`, 'm').test(example) }).toEqual({
        name,
        inExample: true,
      });
    }
  });
});

// ---------------------------------------------------------------------------------------
describe('Keycloak realm', () => {
  interface Role {
    name: string;
    composites?: { realm?: string[] };
  }
  const realm = JSON.parse(readText('infra/keycloak/weltgewebe-realm.json')) as {
    realm: string;
    roles: { realm: Role[] };
    defaultRole: { name: string };
    clients: {
      clientId: string;
      publicClient: boolean;
      standardFlowEnabled: boolean;
      implicitFlowEnabled: boolean;
      redirectUris: string[];
      attributes: Record<string, string>;
      protocolMappers: { protocolMapper: string; config: Record<string, string> }[];
    }[];
  };
  const role = (name: string) => realm.roles.realm.find((r) => r.name === name);

  test('has reader ⊂ weaver ⊂ admin, and reader for every new user', () => {
    expect(realm.realm).toBe('weltgewebe');
    expect(role('reader')).toBeDefined();
    expect(role('weaver')?.composites?.realm).toEqual(['reader']);
    expect(role('admin')?.composites?.realm).toEqual(['weaver']);
    expect(role(realm.defaultRole.name)?.composites?.realm).toContain('reader');
  });

  test('has the confidential web client with PKCE S256 and the weltgewebe audience', () => {
    const client = realm.clients.find((c) => c.clientId === 'weltgewebe-web');
    expect(client).toBeDefined();
    expect(client!.publicClient).toBe(false);
    expect(client!.standardFlowEnabled).toBe(true);
    expect(client!.implicitFlowEnabled).toBe(false);
    expect(client!.attributes['pkce.code.challenge.method']).toBe('S256');
    expect(client!.redirectUris).toEqual([
      `https://${placeholder('WELTGEWEBE_DOMAIN')}/auth/callback`,
    ]);
    expect(client!.attributes['post.logout.redirect.uris']).toBe(
      `https://${placeholder('WELTGEWEBE_DOMAIN')}/`,
    );
    const audience = client!.protocolMappers.find(
      (m) => m.protocolMapper === 'oidc-audience-mapper',
    );
    expect(audience?.config['included.custom.audience']).toBe('weltgewebe');
    expect(audience?.config['access.token.claim']).toBe('true');
  });
});

describe('tokens from the Keycloak realm fit the services', () => {
  const realm = JSON.parse(readText('infra/keycloak/weltgewebe-realm.json')) as {
    realm: string;
    clients: {
      clientId: string;
      protocolMappers: { protocolMapper: string; config: Record<string, string> }[];
    }[];
  };
  const client = realm.clients.find((c) => c.clientId === 'weltgewebe-web')!;
  const mapper = (id: string) => client.protocolMappers.find((m) => m.protocolMapper === id);
  const services = (
    parse(readText('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    }
  ).services;
  /** `${NAME:?message}` and `${NAME}` are the same variable. */
  const plain = (value: string | undefined) => value?.replace(/\$\{(\w+):\?[^}]*\}/g, '$${$1}');

  test('access tokens carry sub and the realm roles (composites expanded) at realm_access.roles', () => {
    const roles = mapper('oidc-usermodel-realm-role-mapper');
    expect(roles?.config).toMatchObject({
      'claim.name': 'realm_access.roles',
      multivalued: 'true',
      'access.token.claim': 'true',
    });
    expect(mapper('oidc-sub-mapper')?.config['access.token.claim']).toBe('true');
  });

  test('web, edge and core check the realm as issuer, its audience and its role claim path', () => {
    const audience = mapper('oidc-audience-mapper')!.config['included.custom.audience'];
    const claimPath = mapper('oidc-usermodel-realm-role-mapper')!.config['claim.name'];
    for (const name of ['web', 'web2', 'edge', 'edge2', 'core', 'core2']) {
      const env = services[name]!.environment!;
      expect({
        name,
        issuer: plain(env.OIDC_ISSUER),
        audience: env.OIDC_AUDIENCE,
        roles: env.ROLE_CLAIM_PATH,
      }).toEqual({
        name,
        issuer: `https://${placeholder('AUTH_DOMAIN')}/realms/${realm.realm}`,
        audience,
        roles: claimPath,
      });
    }
    expect(services.caddy!.environment!.OIDC_ISSUER_ORIGIN).toBe(
      `https://${placeholder('AUTH_DOMAIN')}`,
    );
  });

  test("the edges take cookie-borne commands from the site's own pages only", () => {
    for (const name of ['edge', 'edge2']) {
      expect({ name, origins: services[name]!.environment!.ALLOWED_ORIGINS }).toEqual({
        name,
        origins: `https://${placeholder('DOMAIN')}`,
      });
    }
    expect(services.web!.environment!.ORIGIN).toBe(`https://${placeholder('DOMAIN')}`);
  });

  test('notification e-mails link to the site the web serves', () => {
    expect(services.workers!.environment!.PUBLIC_BASE_URL).toBe(services.web!.environment!.ORIGIN);
  });
});

// ---------------------------------------------------------------------------------------
// The front door for real: Caddy with the repository's Caddyfile on a free port, in front
// of stand-ins for two edge instances and the web server.
describe.skipIf(!caddyBin)('Caddy in front of edge and web', () => {
  const BIG_TEXT = 'Fäden verblassen nach sieben Tagen, wenn niemand sie neu spinnt.\n'.repeat(400);
  const ready = { a: true, b: true };
  const servers: ReturnType<typeof Bun.serve>[] = [];
  const caddies: { proc: ReturnType<typeof Bun.spawn>; log: string }[] = [];
  let base = '';

  function edgeServer(name: 'a' | 'b') {
    return Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path === '/health/ready') {
          return Response.json(
            { status: ready[name] ? 'ok' : 'unavailable', checks: { db: 'x' } },
            { status: ready[name] ? 200 : 503 },
          );
        }
        if (path === '/trpc/stream') {
          const body = new ReadableStream({
            async start(controller) {
              // Larger than the compressor's minimum, like a node with its summary.
              const summary = 'Gemeinschaftsgarten am Kanal. '.repeat(80);
              controller.enqueue(
                new TextEncoder().encode(`data: {"n":1,"summary":"${summary}"}\n\n`),
              );
              await Bun.sleep(1_500);
              controller.enqueue(new TextEncoder().encode('data: {"n":2}\n\n'));
              controller.close();
            },
          });
          return new Response(body, {
            headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
          });
        }
        if (path === '/trpc/batch' && req.headers.get('trpc-accept') === 'application/jsonl') {
          // httpBatchStreamLink: JSON lines, the slow procedure's answer comes later.
          const body = new ReadableStream({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode(`${JSON.stringify({ 0: BIG_TEXT })}\n`));
              await Bun.sleep(1_500);
              controller.enqueue(new TextEncoder().encode('{"1":"slow"}\n'));
              controller.close();
            },
          });
          return new Response(body, { headers: { 'content-type': 'application/json' } });
        }
        if (path === '/trpc/batch') return Response.json([{ result: BIG_TEXT }]);
        return Response.json(
          { upstream: 'edge', instance: name, path, requestId: req.headers.get('x-request-id') },
          // An upstream's own answer must not weaken the front door's headers.
          { headers: { 'x-frame-options': 'SAMEORIGIN', server: 'stand-in' } },
        );
      },
    });
  }

  function webServer() {
    return Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path === '/big.txt') {
          return new Response(BIG_TEXT, {
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          });
        }
        if (path === '/auth/login' && new URL(req.url).searchParams.has('returnTo')) {
          // As the web does: off to the provider with state, nonce and PKCE challenge.
          return new Response(null, {
            status: 303,
            headers: {
              location:
                'http://localhost:3003/auth?client_id=weltgewebe-web&state=SECRET-STATE-2&nonce=SECRET-NONCE&code_challenge=SECRET-CHALLENGE',
            },
          });
        }
        if (path === '/embed') {
          // The embed page brings its own policy that lets any site frame it.
          return new Response('<p>embed</p>', {
            headers: {
              'content-type': 'text/html',
              'content-security-policy': "default-src 'self'; frame-ancestors *",
            },
          });
        }
        if (path === '/own-csp') {
          return new Response('<p>hashed</p>', {
            headers: {
              'content-type': 'text/html',
              'content-security-policy': "script-src 'self' 'sha256-abc'",
            },
          });
        }
        return new Response(`<!doctype html><p>web ${path}</p>`, {
          headers: { 'content-type': 'text/html; charset=utf-8' },
        });
      },
    });
  }

  async function startCaddy(env: Record<string, string>) {
    const port = await freePort();
    const log = join(scratch, `caddy-${port}.log`);
    const proc = Bun.spawn([caddyBin!, 'run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
      cwd: ROOT,
      env: caddyEnv({ SITE_ADDRESS: `:${port}`, ...env }),
      stdout: Bun.file(log),
      stderr: Bun.file(`${log}.err`),
    });
    caddies.push({ proc, log });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) break;
      try {
        await fetch(`${url}/`);
        return url;
      } catch {
        await Bun.sleep(100);
      }
    }
    const stderr = existsSync(`${log}.err`) ? readFileSync(`${log}.err`, 'utf8') : '';
    throw new Error(`caddy did not start on ${url}:\n${stderr.slice(-3000)}`);
  }

  /** A raw GET, so the body arrives exactly as Caddy sent it (fetch would decompress). */
  function rawGet(url: string, headers: Record<string, string>) {
    return new Promise<{
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: Buffer;
    }>((resolvePromise, reject) => {
      const req = request(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  beforeAll(async () => {
    const [a, b, web] = [edgeServer('a'), edgeServer('b'), webServer()];
    servers.push(a, b, web);
    base = await startCaddy({
      EDGE_UPSTREAMS: `127.0.0.1:${a.port} 127.0.0.1:${b.port}`,
      WEB_UPSTREAMS: `127.0.0.1:${web.port}`,
    });
  });

  afterAll(async () => {
    for (const { proc } of caddies) {
      proc.kill('SIGTERM');
      const stopped = await Promise.race([
        proc.exited.then(() => true),
        Bun.sleep(5_000).then(() => false),
      ]);
      if (!stopped) proc.kill('SIGKILL');
    }
    for (const server of servers) server.stop(true);
  });

  test('/trpc/* and /tiles/* reach the edge, everything else the web server', async () => {
    const trpc = await (await fetch(`${base}/trpc/nodes.byId?input=1`)).json();
    expect(trpc).toMatchObject({ upstream: 'edge', path: '/trpc/nodes.byId' });
    const tiles = await (await fetch(`${base}/tiles/nodes/3/4/2.mvt`)).json();
    expect(tiles).toMatchObject({ upstream: 'edge', path: '/tiles/nodes/3/4/2.mvt' });
    const exported = await (await fetch(`${base}/export/nodes.csv?bbox=1,2,3,4`)).json();
    expect(exported).toMatchObject({ upstream: 'edge', path: '/export/nodes.csv' });
    expect(await (await fetch(`${base}/`)).text()).toContain('web /');
    expect(await (await fetch(`${base}/auth/login`)).text()).toContain('web /auth/login');
  });

  test('compresses a large text response with gzip when asked', async () => {
    const res = await rawGet(`${base}/big.txt`, { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body.length).toBeLessThan(BIG_TEXT.length / 10);
    expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(res.body)))).toBe(BIG_TEXT);

    const plain = await rawGet(`${base}/big.txt`, {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(BIG_TEXT);

    const zstd = await rawGet(`${base}/big.txt`, { 'accept-encoding': 'zstd, gzip' });
    expect(zstd.headers['content-encoding']).toBe('zstd');
  });

  test('sends the security headers on every response, overriding upstreams', async () => {
    for (const path of ['/', '/trpc/x', '/tiles/x', '/export/x', '/embedded', '/metrics']) {
      const res = await fetch(`${base}${path}`);
      await res.arrayBuffer();
      const h = res.headers;
      expect({ path, nosniff: h.get('x-content-type-options') }).toEqual({
        path,
        nosniff: 'nosniff',
      });
      expect({ path, frame: h.get('x-frame-options') }).toEqual({ path, frame: 'DENY' });
      expect(h.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      const permissions = h.get('permissions-policy') ?? '';
      expect({ path, permissions }).toEqual({
        path,
        permissions: expect.stringContaining('geolocation=(self)'),
      });
      expect(permissions).toContain('camera=()');
      expect(permissions).toContain('microphone=()');
      const csp = h.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).toContain("worker-src 'self' blob:");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("form-action 'self' http://localhost:3003");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(h.get('server')).toBeNull();
      // Locally there is no HTTPS, so no HSTS either.
      expect(h.get('strict-transport-security')).toBeNull();
    }
  });

  test('only the embed page may be framed by other sites', async () => {
    const res = await fetch(`${base}/embed?weavery=kiel`);
    await res.arrayBuffer();
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; frame-ancestors *",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // Not a prefix match: anything else under that name stays unframable.
    const other = await fetch(`${base}/embed/other`);
    await other.arrayBuffer();
    expect(other.headers.get('x-frame-options')).toBe('DENY');
  });

  test("keeps a page's own Content-Security-Policy (SvelteKit hashes)", async () => {
    const res = await fetch(`${base}/own-csp`);
    expect(res.headers.get('content-security-policy')).toBe("script-src 'self' 'sha256-abc'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  test("does not expose /metrics or the services' /health/*", async () => {
    for (const path of ['/metrics', '/health/live', '/health/ready']) {
      const res = await fetch(`${base}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(await res.text()).not.toContain('checks');
    }
  });

  test('/health answers with the edge readiness, without details', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    ready.a = ready.b = false;
    try {
      const down = await fetch(`${base}/health`);
      expect(down.status).toBe(503);
      expect(await down.text()).toBe('unavailable');
    } finally {
      ready.a = ready.b = true;
    }
  });

  test('the access log holds no OIDC code, state or redirect query, and no full address', async () => {
    const log = caddies[0]!.log;
    const before = existsSync(log) ? readFileSync(log, 'utf8').length : 0;
    await (await fetch(`${base}/auth/callback?code=SECRET-CODE&state=SECRET-STATE`)).text();
    await (await fetch(`${base}/auth/login?returnTo=%2Fknoten`, { redirect: 'manual' })).text();
    await (
      await fetch(`${base}/auth/callback?code=SECRET-CODE-2`, {
        headers: { referer: `${base}/auth/callback?code=SECRET-CODE-3&state=SECRET-STATE-3` },
      })
    ).text();
    await (await fetch(`${base}/trpc/nodes.byId?input=kept-query`)).text();
    let lines: Array<{ request: { uri: string; remote_ip: string } }> = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      lines = readFileSync(log, 'utf8')
        .slice(before)
        .split('\n')
        .filter((l) => l.includes('"handled request"'))
        .map((l) => JSON.parse(l));
      if (lines.some((l) => l.request.uri.startsWith('/trpc/nodes.byId'))) break;
      await Bun.sleep(100);
    }
    const text = JSON.stringify(lines);
    expect(lines.map((l) => l.request.uri)).toEqual(
      expect.arrayContaining([
        '/auth/callback',
        '/auth/login',
        '/trpc/nodes.byId?input=kept-query',
      ]),
    );
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('returnTo');
    for (const line of lines) expect(line.request.remote_ip).toBe('127.0.0.0');
  });

  test('a request head too large for the services is refused by Caddy, no edge drops out', async () => {
    // Several at once, as a flood would send them (one at a time Bun's own 431 often gets
    // through; under load the connection is cut first, which counts as a failed upstream).
    const longs = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const res = await fetch(`${base}/trpc/nodes.byId?input=${`${i}`.repeat(1_000_000)}`);
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(longs).toEqual(Array(8).fill(431));
    const cookie = await fetch(`${base}/trpc/x`, {
      headers: { cookie: `wg_at=${'a'.repeat(100_000)}` },
    });
    expect(cookie.status).toBe(431);
    await cookie.arrayBuffer();
    // Both instances still take requests at once (a failed upstream would be out for 30 s).
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const res = await fetch(`${base}/trpc/after`);
      expect(res.status).toBe(200);
      seen.add((await res.json()).instance);
    }
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  test('gives every request an id, keeping a well-formed one from the caller', async () => {
    const fresh = await (await fetch(`${base}/trpc/a`)).json();
    expect(fresh.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await (
      await fetch(`${base}/trpc/a`, { headers: { 'x-request-id': 'req-1234abcd' } })
    ).json();
    expect(kept.requestId).toBe('req-1234abcd');
    const replaced = await (
      await fetch(`${base}/trpc/a`, { headers: { 'x-request-id': 'x"}{evil' } })
    ).json();
    expect(replaced.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('streams SSE events through at once, uncompressed', async () => {
    const started = Date.now();
    const res = await fetch(`${base}/trpc/stream`, {
      headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, zstd' },
    });
    const reader = res.body!.getReader();
    try {
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(res.headers.get('content-encoding')).toBeNull();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('data: {"n":1,');
      // The second event is 1.5 s away: the first must not have waited for it.
      expect(Date.now() - started).toBeLessThan(1_200);
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        rest += new TextDecoder().decode(chunk.value);
      }
      expect(rest).toContain('data: {"n":2}');
    } finally {
      // An open stream would count as a busy connection for least_conn balancing.
      await reader.cancel().catch(() => {});
    }
  });

  test('passes streamed tRPC batches through part by part, compresses plain ones', async () => {
    const plain = await rawGet(`${base}/trpc/batch`, { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBe('gzip');

    const started = Date.now();
    const res = await fetch(`${base}/trpc/batch`, {
      headers: { 'trpc-accept': 'application/jsonl', 'accept-encoding': 'gzip, zstd' },
    });
    expect(res.headers.get('content-encoding')).toBeNull();
    // Read to the end (a dropped stream would stay busy upstream and skew balancing).
    const reader = res.body!.getReader();
    let text = '';
    let firstDataAfter = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += new TextDecoder().decode(chunk.value);
      // Bun may split the first line itself; what matters is that data flows early.
      if (!firstDataAfter && text.startsWith('{"0":')) firstDataAfter = Date.now() - started;
    }
    expect(text).toContain('{"1":"slow"}');
    expect(firstDataAfter).toBeGreaterThan(0);
    expect(firstDataAfter).toBeLessThan(1_200);
  });

  test('balances over both edges and stops sending to one that is not ready', async () => {
    const hits = async (n: number) => {
      const seen: string[] = [];
      for (let i = 0; i < n; i++)
        seen.push((await (await fetch(`${base}/trpc/lb`)).json()).instance);
      return seen;
    };
    // least_conn: with nothing in flight, requests spread over both instances.
    const seen = new Set<string>();
    const spreadDeadline = Date.now() + 10_000;
    while (seen.size < 2 && Date.now() < spreadDeadline) {
      for (const instance of await hits(20)) seen.add(instance);
      if (seen.size < 2) await Bun.sleep(250);
    }
    expect(seen).toEqual(new Set(['a', 'b']));

    ready.b = false;
    try {
      // Active health checks run every 5 s.
      const deadline = Date.now() + 15_000;
      let after: string[] = [];
      while (Date.now() < deadline) {
        after = await hits(10);
        if (after.every((instance) => instance === 'a')) break;
        await Bun.sleep(500);
      }
      expect(new Set(after)).toEqual(new Set(['a']));
    } finally {
      ready.b = true;
    }
  }, 30_000);

  test('a second Caddy runs beside the first; HSTS appears only when set', async () => {
    const other = await startCaddy({
      EDGE_UPSTREAMS: `127.0.0.1:${servers[0]!.port}`,
      WEB_UPSTREAMS: `127.0.0.1:${servers[2]!.port}`,
      HSTS: 'max-age=31536000; includeSubDomains',
      OIDC_ISSUER_ORIGIN: 'https://auth.example.org',
    });
    const res = await fetch(`${other}/`);
    expect(res.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect(res.headers.get('content-security-policy')).toContain(
      "form-action 'self' https://auth.example.org",
    );
    // The first one is still serving.
    expect((await fetch(`${base}/`)).status).toBe(200);
  });
});
