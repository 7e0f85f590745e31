// A three-node NATS JetStream cluster of project-local nats-server processes on loopback (the
// HA topology of the local stack and the chaos run): each node has its own store directory,
// client, cluster-route and monitoring port; any node may be killed and started again.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.ts';
import { findBinary } from './system-packages.ts';

export interface NatsNodeHandle {
  name: string;
  port: number;
  monitorPort: number;
  url: string;
  /** Process id of the running server, null while it is down. */
  pid(): number | null;
  /** SIGKILL: no goodbye to the cluster, like a crashed machine. */
  kill(): Promise<void>;
  /** Starts the node again with its store and waits until it serves JetStream. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsClusterHandle {
  /** All client URLs, comma separated (connectNats splits them). */
  url: string;
  nodes: NatsNodeHandle[];
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** One sub-directory per node is made below it (store, config, log). */
  dir: string;
  /** Client ports of the nodes (free ports when left out). */
  ports?: number[];
  monitorPorts?: number[];
  size?: number;
  clusterName?: string;
}

/** Waits until the node serves JetStream and knows the cluster's meta leader. */
async function waitForJetStream(monitorPort: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz`);
      if (res.ok) {
        const jsz = (await res.json()) as { meta_cluster?: { leader?: string } };
        if (jsz.meta_cluster?.leader) return;
        last = 'no meta leader yet';
      } else last = `HTTP ${res.status}`;
    } catch (error) {
      last = String(error);
    }
    await Bun.sleep(200);
  }
  throw new Error(`nats node on monitor port ${monitorPort} not ready (${last})`);
}

export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsClusterHandle> {
  const bin = findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server']);
  const size = options.size ?? 3;
  const dir = resolve(options.dir);
  const ports: number[] = [];
  const monitorPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    ports.push(options.ports?.[i] ?? (await freePort()));
    monitorPorts.push(options.monitorPorts?.[i] ?? (await freePort()));
    routePorts.push(await freePort());
  }
  const nodes: NatsNodeHandle[] = [];
  for (let i = 0; i < size; i++) {
    const name = `n${i + 1}`;
    const nodeDir = join(dir, name);
    mkdirSync(join(nodeDir, 'store'), { recursive: true });
    const routes = routePorts
      .filter((_, j) => j !== i)
      .map((p) => `nats-route://127.0.0.1:${p}`)
      .join(', ');
    const config = join(nodeDir, 'nats.conf');
    writeFileSync(
      config,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${ports[i]}`,
        `http: 127.0.0.1:${monitorPorts[i]}`,
        `jetstream { store_dir: "${join(nodeDir, 'store')}" }`,
        'cluster {',
        `  name: ${options.clusterName ?? 'weltgewebe'}`,
        `  listen: 127.0.0.1:${routePorts[i]}`,
        `  routes: [ ${routes} ]`,
        '}',
        `log_file: "${join(nodeDir, 'nats.log')}"`,
        '',
      ].join('\n'),
    );
    let proc: ReturnType<typeof Bun.spawn> | null = null;
    const launch = () => {
      proc = Bun.spawn([bin, '-c', config], { stdout: 'ignore', stderr: 'ignore' });
    };
    const terminate = async (signal: NodeJS.Signals) => {
      const p = proc;
      proc = null;
      if (!p) return;
      p.kill(signal);
      await p.exited;
    };
    launch();
    nodes.push({
      name,
      port: ports[i]!,
      monitorPort: monitorPorts[i]!,
      url: `nats://127.0.0.1:${ports[i]}`,
      pid: () => (proc as ReturnType<typeof Bun.spawn> | null)?.pid ?? null,
      kill: () => terminate('SIGKILL'),
      restart: async () => {
        if (!proc) launch();
        await waitForJetStream(monitorPorts[i]!, 60_000);
      },
      stop: () => terminate('SIGTERM'),
    });
  }
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    // The meta group needs a majority, so every node is started before any is waited for.
    await Promise.all(monitorPorts.map((p) => waitForJetStream(p, 60_000)));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { url: nodes.map((n) => n.url).join(','), nodes, stop: stopAll };
}
