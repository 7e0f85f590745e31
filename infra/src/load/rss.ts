// Resident memory of every process of a running stack, read from /proc/<pid>/status: the
// services we spawned (by name), their own children, NATS, and PostgreSQL (the postmaster
// by its postmaster.pid, its backends summed, since they come and go with pool connections).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessMemory {
  name: string;
  pids: number[];
  /** VmRSS in KiB. */
  rssKiB: number;
  /** RssShmem in KiB: shared memory a process has touched (PostgreSQL's shared buffers). */
  shmemKiB: number;
}

function status(pid: number): Record<string, string> | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const fields: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return fields;
  } catch {
    return null;
  }
}

const kib = (v: string | undefined) => (v ? Number.parseInt(v, 10) || 0 : 0);

function childrenOf(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = status(Number(entry));
    if (!s) continue;
    const ppid = Number(s.PPid);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

function descendants(pid: number, tree: Map<number, number[]>): number[] {
  const out: number[] = [];
  const stack = [...(tree.get(pid) ?? [])];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(tree.get(p) ?? []));
  }
  return out;
}

function measure(name: string, pids: number[]): ProcessMemory | null {
  let rss = 0;
  let shmem = 0;
  const alive: number[] = [];
  for (const pid of pids) {
    const s = status(pid);
    if (!s) continue;
    alive.push(pid);
    rss += kib(s.VmRSS);
    shmem += kib(s.RssShmem);
  }
  return alive.length ? { name, pids: alive, rssKiB: rss, shmemKiB: shmem } : null;
}

/**
 * One snapshot. `services` are the spawned processes by name; every other descendant of
 * this process (NATS, pg_ctl leftovers) is listed by its command name; `pgDataDir` finds
 * the postmaster, which may not be our child (pg_ctl detaches it).
 */
export function stackMemory(services: Map<string, number>, pgDataDir: string): ProcessMemory[] {
  const tree = childrenOf();
  const out: ProcessMemory[] = [];
  const known = new Set<number>();
  for (const [name, pid] of services) {
    const m = measure(name, [pid]);
    if (m) out.push(m);
    known.add(pid);
    // A service's own children (none today) count with it under their own line.
    const kids = descendants(pid, tree);
    for (const k of kids) known.add(k);
    const mk = measure(`${name} (children)`, kids);
    if (mk) out.push(mk);
  }
  const pidFile = join(pgDataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const backends = descendants(postmaster, tree);
    for (const p of [postmaster, ...backends]) known.add(p);
    const pm = measure('postgres (postmaster)', [postmaster]);
    if (pm) out.push(pm);
    const b = measure('postgres (backends, summed)', backends);
    if (b) out.push(b);
  }
  for (const pid of descendants(process.pid, tree)) {
    if (known.has(pid)) continue;
    const s = status(pid);
    if (!s) continue;
    const m = measure(s.Name ?? String(pid), [pid]);
    if (m) out.push(m);
  }
  return out;
}
