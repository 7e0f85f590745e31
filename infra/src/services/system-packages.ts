// Knows which Debian packages the local stack needs and installs the missing ones as root.
import { existsSync } from 'node:fs';

export interface SystemRequirement {
  /** Debian package that provides it. */
  pkg: string;
  /** Paths of which at least one must exist once installed. */
  paths: string[];
  /** Only needed for the test command (browser tests). */
  testOnly?: boolean;
}

export const PG_VERSIONS = ['17', '16', '15'];

export const requirements: SystemRequirement[] = [
  {
    pkg: 'postgresql-15-postgis-3',
    paths: PG_VERSIONS.map((v) => `/usr/share/postgresql/${v}/extension/postgis.control`),
  },
  { pkg: 'nats-server', paths: ['/usr/sbin/nats-server', '/usr/bin/nats-server'] },
  { pkg: 'caddy', paths: ['/usr/bin/caddy'] },
  // WAL archiving and base backups of the local cluster (infra/src/backup).
  { pkg: 'pgbackrest', paths: ['/usr/bin/pgbackrest'] },
  // The OpenStreetMap basemap import (db/src/basemap/osm): flex output with Lua 5.3 (1.8 on
  // Debian 12); osmium cuts and checks extracts.
  { pkg: 'osm2pgsql', paths: ['/usr/bin/osm2pgsql'] },
  { pkg: 'osmium-tool', paths: ['/usr/bin/osmium'] },
  { pkg: 'chromium', paths: ['/usr/bin/chromium'], testOnly: true },
  { pkg: 'prometheus', paths: ['/usr/bin/promtool'], testOnly: true },
];

/** Debian 12 ships PostgreSQL 15, Ubuntu 24.04 16: take the PostGIS package the archive has. */
function postgisPackage(): string {
  for (const v of ['15', '16', '17']) {
    const pkg = `postgresql-${v}-postgis-3`;
    const shown = Bun.spawnSync(['apt-cache', 'show', pkg], { stdout: 'ignore', stderr: 'ignore' });
    if (shown.exitCode === 0) return pkg;
  }
  return 'postgresql-15-postgis-3';
}

export function missingPackages(opts: { forTests: boolean }): string[] {
  return requirements
    .filter((r) => opts.forTests || !r.testOnly)
    .filter((r) => !r.paths.some((p) => existsSync(p)))
    .map((r) => (r.pkg.endsWith('-postgis-3') ? postgisPackage() : r.pkg));
}

/** Installs what is missing (as root or with passwordless sudo); otherwise explains the exact command. */
export function ensureSystemPackages(opts: { forTests: boolean; log: (line: string) => void }) {
  const missing = missingPackages(opts);
  if (missing.length === 0) return;
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(' ')}`;
  let argv = ['sh', '-c', command];
  if (process.getuid?.() !== 0) {
    // Not root: use sudo when it works without a password (CI runners), else explain.
    const sudo = Bun.spawnSync(['sudo', '-n', 'true'], { stdout: 'ignore', stderr: 'ignore' });
    if (sudo.exitCode !== 0) {
      throw new Error(
        `missing system packages: ${missing.join(', ')}\nrun as root:\n  sudo sh -c '${command}'`,
      );
    }
    argv = ['sudo', '-n', 'sh', '-c', command];
  }
  opts.log(`installing ${missing.join(', ')} …`);
  const result = Bun.spawnSync(argv, { stdout: 'inherit', stderr: 'inherit' });
  if (result.exitCode !== 0) throw new Error(`installing system packages failed: ${command}`);
}

export function findBinary(name: string, candidates: string[]): string {
  for (const path of candidates) if (existsSync(path)) return path;
  const which = Bun.which(name);
  if (which) return which;
  throw new Error(`${name} not found (looked in ${candidates.join(', ')})`);
}

export function postgresBinDir(): string {
  for (const v of PG_VERSIONS) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (
      existsSync(`${dir}/postgres`) &&
      existsSync(`/usr/share/postgresql/${v}/extension/postgis.control`)
    ) {
      return dir;
    }
  }
  throw new Error('no PostgreSQL with PostGIS found under /usr/lib/postgresql/*/bin');
}
