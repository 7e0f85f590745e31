// Child processes of the local stack: started with their env, output prefixed on our stdout
// or written straight to a file, stopped politely (SIGTERM, then SIGKILL after a grace period).
import { closeSync, openSync } from 'node:fs';

export interface ServiceProcess {
  name: string;
  /** The running process; replaced by `respawn`. */
  proc: ReturnType<typeof Bun.spawn>;
  stop(): Promise<void>;
  /**
   * Starts the same command again (after it died, was killed or was stopped); output goes on
   * as before. `env` replaces variables of the environment it started with (a new release).
   */
  respawn(env?: Record<string, string>, exact?: boolean): void;
  /** The environment of the running process, beyond ours. */
  readonly env: Record<string, string>;
}

export interface SpawnOptions {
  name: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Print lines to our stdout with a prefix (up) or append them to a file (tests). */
  output: { kind: 'prefix' } | { kind: 'file'; path: string };
}

const COLORS = [36, 35, 33, 32, 34, 31, 90];
let colorIndex = 0;

async function pump(stream: ReadableStream<Uint8Array>, write: (line: string) => void) {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      write(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  }
  if (buffered) write(buffered);
}

export function spawnService(opts: SpawnOptions): ServiceProcess {
  const output = opts.output;
  let currentEnv = { ...opts.env };
  const launch = (): ReturnType<typeof Bun.spawn> => {
    if (output.kind === 'file') {
      // Straight into the file: the output never depends on our event loop being free (a
      // blocked parent must not fill a pipe and stall the service).
      const fd = openSync(output.path, 'a');
      const proc = Bun.spawn(opts.argv, {
        cwd: opts.cwd,
        env: { ...process.env, ...currentEnv },
        stdout: fd,
        stderr: fd,
      });
      closeSync(fd);
      return proc;
    }
    const proc = Bun.spawn(opts.argv, {
      cwd: opts.cwd,
      env: { ...process.env, ...currentEnv },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    void pump(proc.stdout as ReadableStream<Uint8Array>, write);
    void pump(proc.stderr as ReadableStream<Uint8Array>, write);
    return proc;
  };
  const color = COLORS[colorIndex++ % COLORS.length];
  const tag = `\x1b[${color}m${opts.name.padEnd(6)}\x1b[0m │ `;
  const write = (line: string) => process.stdout.write(`${tag}${line}\n`);
  const service: ServiceProcess = {
    name: opts.name,
    proc: launch(),
    stop: () => stopProcess(service.proc),
    respawn: (env, exact) => {
      if (env) currentEnv = exact ? { ...env } : { ...currentEnv, ...env };
      service.proc = launch();
    },
    get env() {
      return currentEnv;
    },
  };
  return service;
}

/** SIGTERM, then SIGKILL after a grace period; always waits for the exit. */
async function stopProcess(proc: ReturnType<typeof Bun.spawn>) {
  // A process may already be on its way out (Ctrl-C reaches the whole group); signal it anyway.
  try {
    proc.kill('SIGTERM');
  } catch {}
  const exited = await Promise.race([
    proc.exited.then(() => true),
    Bun.sleep(8_000).then(() => false),
  ]);
  if (!exited) {
    try {
      proc.kill('SIGKILL');
    } catch {}
    await proc.exited;
  }
}
