// Child processes of the local stack: started with their env, output prefixed or logged to
// a file, stopped politely (SIGTERM, then SIGKILL after a grace period).
import { createWriteStream, type WriteStream } from 'node:fs';

export interface ServiceProcess {
  name: string;
  proc: ReturnType<typeof Bun.spawn>;
  stop(): Promise<void>;
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
  const proc = Bun.spawn(opts.argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let file: WriteStream | null = null;
  let write: (line: string) => void;
  if (opts.output.kind === 'file') {
    file = createWriteStream(opts.output.path, { flags: 'a' });
    write = (line) => file!.write(`${line}\n`);
  } else {
    const color = COLORS[colorIndex++ % COLORS.length];
    const tag = `\x1b[${color}m${opts.name.padEnd(6)}\x1b[0m │ `;
    write = (line) => process.stdout.write(`${tag}${line}\n`);
  }
  void pump(proc.stdout as ReadableStream<Uint8Array>, write);
  void pump(proc.stderr as ReadableStream<Uint8Array>, write);
  return {
    name: opts.name,
    proc,
    async stop() {
      // A process may already be on its way out (Ctrl-C reaches the whole group); signal it
      // anyway and always wait for the exit, killing it after a grace period.
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
      file?.end();
    },
  };
}
