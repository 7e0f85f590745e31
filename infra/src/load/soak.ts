// The soak: browser-like visitors and live feeds through the front door for a while, with
// the memory of every process of the stack measured after a warm-up and again at the end.
// Passes when no visitor saw an error and no process grew by 10 % or more.
import { join } from 'node:path';
import type { ThrowawayStack } from '../stack/throwaway-stack.ts';
import { errorCount, type LegitTally, liveFeed, newTally, visitor } from './legit.ts';
import { type ProcessMemory, stackMemory } from './rss.ts';

export interface SoakOptions {
  durationMs: number;
  /** Traffic before the first measurement: caches fill, JIT settles, pools open. */
  warmupMs: number;
  visitors: number;
  liveFeeds: number;
  log: (line: string) => void;
}

export interface ProcessGrowth {
  name: string;
  startKiB: number;
  endKiB: number;
  growth: number;
}

export interface SoakResult {
  durationMs: number;
  tally: LegitTally;
  errors: number;
  start: ProcessMemory[];
  end: ProcessMemory[];
  growth: ProcessGrowth[];
  /** Processes at or over the growth limit. */
  grewTooMuch: ProcessGrowth[];
}

export const GROWTH_LIMIT = 0.1;

/**
 * Memory that belongs to a process: VmRSS without the shared memory it has touched, so that
 * PostgreSQL's backends mapping more of the one shared buffer pool is not counted as growth.
 */
const ownKiB = (m: ProcessMemory) => m.rssKiB - m.shmemKiB;

export function compare(start: ProcessMemory[], end: ProcessMemory[]): ProcessGrowth[] {
  const out: ProcessGrowth[] = [];
  for (const s of start) {
    const e = end.find((x) => x.name === s.name);
    if (!e) continue;
    const startKiB = ownKiB(s);
    const endKiB = ownKiB(e);
    out.push({
      name: s.name,
      startKiB,
      endKiB,
      growth: startKiB ? (endKiB - startKiB) / startKiB : 0,
    });
  }
  return out;
}

function memoryTable(title: string, rows: ProcessMemory[]): string {
  const lines = rows.map(
    (r) =>
      `  ${r.name.padEnd(30)} ${String(Math.round(r.rssKiB / 1024)).padStart(6)} MiB rss  ${String(Math.round(r.shmemKiB / 1024)).padStart(5)} MiB shared  pid ${r.pids.slice(0, 4).join(',')}${r.pids.length > 4 ? ` +${r.pids.length - 4}` : ''}`,
  );
  return [title, ...lines].join('\n');
}

export function soakReport(r: SoakResult): string {
  const growth = r.growth.map(
    (g) =>
      `  ${g.name.padEnd(30)} ${String(Math.round(g.startKiB / 1024)).padStart(6)} → ${String(Math.round(g.endKiB / 1024)).padStart(6)} MiB own  ${(g.growth * 100).toFixed(1).padStart(6)} %`,
  );
  const t = r.tally;
  return [
    memoryTable('memory at start (after warm-up):', r.start),
    memoryTable('memory at end:', r.end),
    'growth (rss without shared memory):',
    ...growth,
    `soak: ${Math.round(r.durationMs / 1000)} s, ${t.requests} requests, statuses ${JSON.stringify(t.statuses)}, ${t.sseOpened} SSE streams (${t.sseEvents} events), ${r.errors} errors, largest growth ${(Math.max(0, ...r.growth.map((g) => g.growth)) * 100).toFixed(1)} %${r.grewTooMuch.length ? ` (over ${GROWTH_LIMIT * 100} %: ${r.grewTooMuch.map((g) => g.name).join(', ')})` : ''}`,
    ...(t.samples.length ? ['first errors:', ...t.samples.map((s) => `  ${s}`)] : []),
  ].join('\n');
}

export async function runSoak(stack: ThrowawayStack, opts: SoakOptions): Promise<SoakResult> {
  const pids = new Map<string, number>();
  for (const [name, service] of stack.services) pids.set(name, service.proc.pid);
  const pgDir = join(stack.dataDir, 'pg');
  const tally = newTally();
  const stopAt = Date.now() + opts.warmupMs + opts.durationMs;
  const until = () => Date.now() >= stopAt;
  // People pause between steps; one in four visitors reads for a long while (up to 45 s),
  // longer than the front door keeps an idle upstream connection, so reuse after idling
  // is part of the load.
  const visitors = Array.from({ length: opts.visitors }, (_, i) =>
    visitor({
      base: stack.base,
      until,
      tally,
      pauseMs: () =>
        i % 4 === 3 && Math.random() < 0.1
          ? 20_000 + Math.random() * 25_000
          : 300 + Math.random() * 900,
    }),
  );
  const feeds = Array.from({ length: opts.liveFeeds }, () => liveFeed(stack.base, until, tally));
  await Bun.sleep(opts.warmupMs);
  const start = stackMemory(pids, pgDir);
  opts.log(`soak: warm-up done, measuring for ${Math.round(opts.durationMs / 1000)} s`);
  const measuredFrom = Date.now();
  const progress = setInterval(
    () =>
      opts.log(
        `soak: ${Math.round((Date.now() - measuredFrom) / 1000)} s, ${tally.requests} requests, ${errorCount(tally)} errors`,
      ),
    60_000,
  );
  await Promise.all([...visitors, ...feeds]);
  clearInterval(progress);
  const end = stackMemory(pids, pgDir);
  const growth = compare(start, end);
  return {
    durationMs: Date.now() - measuredFrom,
    tally,
    errors: errorCount(tally),
    start,
    end,
    growth,
    grewTooMuch: growth.filter((g) => g.growth >= GROWTH_LIMIT),
  };
}
