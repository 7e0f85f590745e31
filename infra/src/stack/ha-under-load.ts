// What the chaos run and the roll share: the HA topology on free ports in a throw-away data
// directory, the three demo people signed in through the real OIDC code flow (and signed in
// again before their access tokens expire, as the web app does — a run can outlast a token),
// and one warm-up node each, so the load has something to talk about from its first second.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ChaosClient, newClientStats } from '../chaos/chaos-client.ts';
import { DEMO_PASSWORD } from '../oidc/demo-users.ts';
import { stopPostgresSync } from '../services/postgres.ts';
import { loginWithCodeFlow } from '../testing/oidc-login.ts';
import { REPO_ROOT, type RunningStack, startStack } from './stack.ts';
import { freeStackPorts } from './throwaway-stack.ts';

/** Leftovers of a run whose process is gone (killed mid-run): stop their servers. */
function removeStaleRuns(dataRoot: string, prefix: string) {
  if (!existsSync(dataRoot)) return;
  for (const entry of readdirSync(dataRoot)) {
    const match = new RegExp(`^${prefix}-(\\d+)$`).exec(entry);
    if (!match) continue;
    let alive = false;
    try {
      process.kill(Number(match[1]), 0);
      alive = true;
    } catch {}
    if (alive) continue;
    const dir = join(dataRoot, entry);
    stopPostgresSync(join(dir, 'pg-replica'));
    stopPostgresSync(join(dir, 'pg'));
    for (const node of ['n1', 'n2', 'n3']) {
      Bun.spawnSync(['pkill', '-KILL', '-f', join(dir, 'nats-cluster', node, 'nats.conf')]);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface HaUnderLoadOptions {
  /** `chaos` or `roll`: names the data directory (`.data/<name>-<pid>`). */
  name: string;
  /** Start the web app too (the roll replaces it; the chaos run talks to /trpc only). */
  web: boolean;
  logDir: string;
  log: (line: string) => void;
}

export interface HaUnderLoad {
  stack: RunningStack;
  /** The front door (Caddy). */
  base: string;
  /** Each person's current access token (renewed in the background). */
  tokens: Array<() => string>;
  /** One warm-up node per person. */
  nodes: string[];
  stop(): Promise<void>;
}

const PEOPLE = ['reader', 'weaver', 'admin'];

/** Signs in again this long before the token expires. */
const RENEW_BEFORE_S = 60;

export async function startHaUnderLoad(opts: HaUnderLoadOptions): Promise<HaUnderLoad> {
  const log = opts.log;
  const dataRoot = join(REPO_ROOT, '.data');
  removeStaleRuns(dataRoot, opts.name);
  const dataDir = join(dataRoot, `${opts.name}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(opts.logDir, { recursive: true, force: true });
  mkdirSync(opts.logDir, { recursive: true });
  log(`starting the HA topology (logs: ${opts.logDir})`);
  const stack = await startStack({
    dataDir,
    ports: await freeStackPorts(),
    ephemeral: true,
    seed: false,
    places: false,
    web: opts.web,
    topology: 'ha',
    // The load is a few people writing fast; the per-person limit is not what is tested here.
    coreEnv: { COMMANDS_PER_MINUTE: '100000' },
    output: { logDir: opts.logDir },
    log,
  });
  const stopOnSignal = () => {
    void stack.stop().then(() => process.exit(130));
  };
  process.on('SIGINT', stopOnSignal);
  process.on('SIGTERM', stopOnSignal);
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  let stopped = false;
  const stop = async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    await stack.stop();
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const base = `http://127.0.0.1:${stack.ports.caddy}`;
    const signIn = (username: string) =>
      loginWithCodeFlow({
        issuer: stack.issuer,
        clientId: 'weltgewebe-web',
        clientSecret: 'dev-secret',
        redirectUri: `${stack.url}/auth/callback`,
        username,
        password: DEMO_PASSWORD,
      });
    const tokens: Array<() => string> = [];
    for (const [i, username] of PEOPLE.entries()) {
      const first = await signIn(username);
      let current = first.accessToken;
      const renewIn = (seconds: number) => {
        const t = setTimeout(
          async () => {
            if (stopped) return;
            try {
              const next = await signIn(username);
              current = next.accessToken;
              renewIn(next.expiresIn);
            } catch (error) {
              log(`signing ${username} in again failed, trying in 10 s: ${String(error)}`);
              renewIn(RENEW_BEFORE_S + 10);
            }
          },
          Math.max(10, seconds - RENEW_BEFORE_S) * 1000,
        );
        t.unref();
        timers[i] = t;
      };
      renewIn(first.expiresIn);
      tokens.push(() => current);
    }

    // Warm-up (not counted): each person's Garnrolle and a first node to talk about.
    const warm = newClientStats();
    const nodes: string[] = [];
    for (const token of tokens) {
      const operationId = crypto.randomUUID();
      const node = await new ChaosClient(base, token, warm).mutate<{ id: string }>('nodes.create', {
        operationId,
        kind: 'place',
        title: `warm-up ${operationId}`,
        lat: 53.55,
        lon: 9.99,
      });
      if (!node) throw new Error(`warm-up failed: ${JSON.stringify(warm.errors)}`);
      nodes.push(node.id);
    }
    return { stack, base, tokens, nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
