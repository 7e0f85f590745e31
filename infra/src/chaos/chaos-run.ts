// The chaos run: the HA topology on free ports, people writing, reading and listening through
// the front door, and meanwhile kill -9 of one process after another (edge, core, relay,
// worker process, NATS node, replica), each started again. Then it waits until everything has
// caught up and counts what was acknowledged, lost, doubled and seen (verify.ts). Bounded in
// time and count; loopback only.
import { connectNats, lastStreamSeq } from '@weltgewebe/events/jetstream';
import postgres from 'postgres';
import { startHaUnderLoad } from '../stack/ha-under-load.ts';
import type { RunningStack } from '../stack/stack.ts';
import { newClientStats } from './chaos-client.ts';
import { FAULT_ORDER, type FaultRecord, runFaults } from './faults.ts';
import { LiveListener } from './live-listener.ts';
import { startLoad } from './load.ts';
import { type ChaosCount, countRun, type RunBaseline, waitForQuiet } from './verify.ts';

export interface ChaosOptions {
  /** About 45 s of load with every kind killed once (the test suite's run). */
  short: boolean;
  /** Where the services' logs go (kept after the run). */
  logDir: string;
  log: (line: string) => void;
}

export interface ChaosResult {
  count: ChaosCount;
  faults: FaultRecord[];
  clientErrors: number;
  line: string;
  ok: boolean;
}

const PLAN = {
  full: {
    rounds: 2,
    minDurationMs: 120_000,
    leadInMs: 10_000,
    timing: { downMs: 5_000, settleMs: 5_000 },
    loopsPerPerson: 3,
    thinkMs: 100,
    listeners: 4,
  },
  short: {
    rounds: 1,
    minDurationMs: 30_000,
    leadInMs: 4_000,
    timing: { downMs: 1_000, settleMs: 2_000 },
    loopsPerPerson: 2,
    thinkMs: 200,
    listeners: 3,
  },
};

/** Reads answered by replica and primary, summed over the edges' /metrics. */
async function edgeReads(stack: RunningStack): Promise<{ replica: number; primary: number }> {
  const sum = { replica: 0, primary: 0 };
  for (const name of ['edge', 'edge2']) {
    const ready = stack.readyUrls.get(name);
    if (!ready) continue;
    const text = await fetch(new URL('/metrics', ready))
      .then((r) => r.text())
      .catch(() => '');
    for (const pool of ['replica', 'primary'] as const) {
      const m = new RegExp(`weltgewebe_edge_reads_total\\{[^}]*pool="${pool}"[^}]*\\} (\\d+)`).exec(
        text,
      );
      sum[pool] += m ? Number(m[1]) : 0;
    }
  }
  return sum;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const plan = opts.short ? PLAN.short : PLAN.full;
  const log = opts.log;
  const run = await startHaUnderLoad({ name: 'chaos', web: false, logDir: opts.logDir, log });
  const { stack, base, tokens, nodes } = run;
  const sql = postgres(stack.databaseUrl, { max: 4, onnotice: () => {} });
  const nc = await connectNats(stack.natsUrl, 'chaos');
  const listeners: LiveListener[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      const [p] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
      if (p!.n === 0) break;
      await Bun.sleep(100);
    }

    for (let i = 0; i < plan.listeners; i++) {
      const listener = new LiveListener(base, `listener-${i + 1}`);
      listeners.push(listener);
      await Promise.race([
        listener.start(),
        Bun.sleep(30_000).then(() => {
          throw new Error(`${listener.report.name} could not subscribe`);
        }),
      ]);
    }
    const [row] = await sql<{ seq: string; now: Date }[]>`
      SELECT coalesce(max(seq), 0)::text AS seq, now() AS now FROM outbox`;
    const baseline: RunBaseline = {
      outboxSeq: Number(row!.seq),
      streamSeq: await lastStreamSeq(nc),
      startedAt: row!.now,
    };

    const stats = newClientStats();
    log(
      `load: ${tokens.length} people × ${plan.loopsPerPerson} loops, ${plan.listeners} live listeners; ` +
        `kills: ${FAULT_ORDER.join(', ')} × ${plan.rounds}`,
    );
    const loadStarted = Date.now();
    const load = startLoad({
      base,
      tokens,
      loopsPerPerson: plan.loopsPerPerson,
      thinkMs: plan.thinkMs,
      nodes,
      stats,
    });
    let faults: FaultRecord[];
    try {
      faults = await runFaults(
        stack,
        {
          kinds: FAULT_ORDER,
          rounds: plan.rounds,
          minDurationMs: plan.minDurationMs,
          leadInMs: plan.leadInMs,
        },
        { ...plan.timing, inFlight: () => stats.inFlight },
        log,
      );
    } finally {
      await load.stop();
    }
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    log(
      `load stopped after ${loadSeconds.toFixed(0)} s: ${load.report.acked.length} commands acknowledged, ` +
        `${load.report.reads} reads, ${stats.requests} requests, ${stats.retries} retries`,
    );

    await waitForQuiet(
      sql,
      nc,
      baseline,
      listeners.map((l) => l.report),
      120_000,
      log,
    );
    const count = await countRun(
      sql,
      nc,
      baseline,
      load.report.acked,
      listeners.map((l) => l.report),
    );
    const listenerErrors = listeners.reduce((n, l) => n + l.report.errors.length, 0);
    const readsBy = await edgeReads(stack);
    const clientErrors = stats.errors.length + load.report.staleReads + listenerErrors;

    for (const c of count.consumers) {
      log(
        `  ${c.consumer.padEnd(20)} ${c.seen}/${c.expected} events${c.duplicated ? `, ${c.duplicated} twice` : ''}`,
      );
    }
    for (const l of listeners) {
      log(`  ${l.report.name} reconnected ${l.report.reconnects} times`);
    }
    const byKind = (k: string) => load.report.acked.filter((a) => a.kind === k).length;
    log(
      `  commands: ${byKind('node')} nodes, ${byKind('spin')} spins, ${byKind('message')} messages; ` +
        `kills: ${faults.map((f) => `${f.target} ${(f.backAfterMs / 1000).toFixed(1)} s`).join(', ')}`,
    );
    log(
      `  edge reads since each edge's last start: ${readsBy.replica} from the replica, ${readsBy.primary} from the primary`,
    );
    if (load.report.staleReads) {
      log(`  ${load.report.staleReads} reads did not see the reader's own write`);
    }
    for (const note of count.notes) log(`  ${note}`);
    for (const e of stats.errors.slice(0, 10)) log(`  error: ${e.what}: ${e.detail}`);
    for (const l of listeners)
      for (const e of l.report.errors.slice(0, 5)) log(`  ${l.report.name}: ${e}`);

    const line =
      `chaos: ${count.acknowledged} commands acknowledged, ${count.lost} lost, ` +
      `${count.duplicated} duplicated, ${count.events} events per consumer expected, ` +
      `${count.seen} seen, ${clientErrors} client-visible errors`;
    const ok =
      count.lost === 0 &&
      count.duplicated === 0 &&
      count.seen === count.events &&
      clientErrors === 0 &&
      faults.length === FAULT_ORDER.length * plan.rounds &&
      count.acknowledged > 0;
    return { count, faults, clientErrors, line, ok };
  } finally {
    for (const l of listeners) l.stop();
    await nc.close().catch(() => {});
    await sql.end({ timeout: 2 }).catch(() => {});
    await run.stop();
  }
}
