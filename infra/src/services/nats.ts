// Starts and stops a project-local nats-server with JetStream.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, waitForHttp } from './free-port.ts';
import { findBinary } from './system-packages.ts';

export interface NatsHandle {
  url: string;
  port: number;
  monitorPort: number;
  storeDir: string;
  stop(): Promise<void>;
  /** Kill the server abruptly (for failure tests); start again with restart(). */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface NatsOptions {
  storeDir: string;
  port?: number;
  monitorPort?: number;
  logFile?: string;
}

export async function startNats(options: NatsOptions): Promise<NatsHandle> {
  const bin = findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server']);
  const storeDir = resolve(options.storeDir);
  mkdirSync(storeDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const monitorPort = options.monitorPort ?? (await freePort());
  let proc: ReturnType<typeof Bun.spawn> | null = null;

  const launch = async () => {
    const argv = [
      bin,
      '-js',
      '-sd',
      storeDir,
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      String(monitorPort),
    ];
    if (options.logFile) argv.push('-l', options.logFile);
    proc = Bun.spawn(argv, { stdout: 'ignore', stderr: 'ignore' });
    await waitForHttp(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`, 30_000);
  };
  const terminate = async (signal: NodeJS.Signals) => {
    const p = proc;
    proc = null;
    if (!p) return;
    p.kill(signal);
    await p.exited;
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    restart: launch,
  };
}
