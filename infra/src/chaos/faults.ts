// What the chaos run does to the HA topology: kill -9 one process, leave it down a while,
// start it again, wait until it is ready, let things settle, then the next one; never two at
// once. In turn an edge, a core, a relay, a worker process, a NATS node and the replica, the
// first and the second instance alternating when the round comes again.
import type { RunningStack } from '../stack/stack.ts';

export type FaultKind = 'edge' | 'core' | 'relay' | 'workers' | 'nats' | 'replica';
export const FAULT_ORDER: readonly FaultKind[] = [
  'edge',
  'core',
  'relay',
  'workers',
  'nats',
  'replica',
];

export interface FaultRecord {
  kind: FaultKind;
  target: string;
  pid: number | null;
  killedAt: number;
  /** Milliseconds from the kill until it answered ready again. */
  backAfterMs: number;
}

export interface FaultTiming {
  downMs: number;
  settleMs: number;
  /**
   * Requests in flight at the clients: an edge or a core is killed once a few are under way
   * (waiting at most 3 s), so the kill catches commands between commit and answer.
   */
  inFlight?: () => number;
}

interface Target {
  name: string;
  pid(): number | null;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

function targetFor(stack: RunningStack, kind: FaultKind, round: number): Target {
  if (kind === 'nats') {
    const nodes = stack.natsCluster!.nodes;
    const node = nodes[round % nodes.length]!;
    return {
      name: `nats ${node.name}`,
      pid: node.pid,
      kill: node.kill,
      restart: node.restart,
    };
  }
  if (kind === 'replica') {
    const replica = stack.replica!;
    return { name: 'replica', pid: replica.pid, kill: replica.kill, restart: replica.restart };
  }
  const name = round % 2 === 0 ? kind : `${kind}2`;
  const service = stack.services.get(name);
  if (!service) throw new Error(`no service ${name}`);
  return {
    name,
    pid: () => service.proc.pid,
    kill: async () => {
      service.proc.kill('SIGKILL');
      await service.proc.exited;
    },
    restart: () => stack.restartService(name),
  };
}

/** One kill and restart. */
export async function injectFault(
  stack: RunningStack,
  kind: FaultKind,
  round: number,
  timing: FaultTiming,
  log: (line: string) => void,
): Promise<FaultRecord> {
  const target = targetFor(stack, kind, round);
  if (timing.inFlight && (kind === 'edge' || kind === 'core')) {
    const until = Date.now() + 3_000;
    while (timing.inFlight() < 3 && Date.now() < until) await Bun.sleep(5);
  }
  const pid = target.pid();
  const killedAt = Date.now();
  log(`kill -9 ${target.name} (pid ${pid ?? '?'})`);
  await target.kill();
  await Bun.sleep(timing.downMs);
  await target.restart();
  const backAfterMs = Date.now() - killedAt;
  log(`${target.name} back after ${(backAfterMs / 1000).toFixed(1)} s`);
  await Bun.sleep(timing.settleMs);
  return { kind, target: target.name, pid, killedAt, backAfterMs };
}

/**
 * Runs the kinds in order, round after round, until every kind was hit `rounds` times and at
 * least `minDurationMs` have passed (the load runs all along).
 */
export async function runFaults(
  stack: RunningStack,
  opts: { kinds: readonly FaultKind[]; rounds: number; minDurationMs: number; leadInMs: number },
  timing: FaultTiming,
  log: (line: string) => void,
): Promise<FaultRecord[]> {
  const started = Date.now();
  const records: FaultRecord[] = [];
  await Bun.sleep(opts.leadInMs);
  for (let round = 0; round < opts.rounds; round++) {
    for (const kind of opts.kinds) records.push(await injectFault(stack, kind, round, timing, log));
  }
  const left = opts.minDurationMs - (Date.now() - started);
  if (left > 0) await Bun.sleep(left);
  return records;
}
