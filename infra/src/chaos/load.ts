// The chaos run's load: the demo people, each with a few loops, tie nodes, spin threads and
// post messages (every command with its own operationId or idempotency key, retried with the
// same one), read their own new node back at once (read-your-writes through whichever edge and
// database answers), and read conversations and tiles in between. It remembers every command
// that was acknowledged, for the count against PostgreSQL afterwards.
import { ChaosClient, type ClientStats } from './chaos-client.ts';

export type AckedCommand =
  | { kind: 'node'; operationId: string; id: string }
  | { kind: 'spin'; operationId: string; id: string }
  | { kind: 'message'; idempotencyKey: string; id: string };

export interface LoadReport {
  acked: AckedCommand[];
  /** A person's own new node was not found right after its creation was acknowledged. */
  staleReads: number;
  reads: number;
}

export interface LoadOptions {
  base: string;
  /** Access tokens of the people (current ones), one client each (own cookie for read-your-writes). */
  tokens: Array<() => string>;
  loopsPerPerson: number;
  /** Pause between two actions of a loop. */
  thinkMs: number;
  /** Nodes to start from (created before the run). */
  nodes: string[];
  stats: ClientStats;
  /** false: no retries, every answer that is not a success is an error (the roll). */
  retry?: boolean;
  /** Also load pages of the web app (the roll replaces web instances too). */
  pages?: boolean;
}

/** Around Hamburg: one city's worth of tiles and rollup cells. */
const CENTRE = { lat: 53.55, lon: 9.99 };
const spread = () => (Math.random() - 0.5) * 0.1;

function tileAround(z: number): string {
  const lat = CENTRE.lat + spread();
  const lon = CENTRE.lon + spread();
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const rad = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return `/tiles/nodes,threads/${z}/${x}/${y}.mvt`;
}

export function startLoad(opts: LoadOptions) {
  const report: LoadReport = { acked: [], staleReads: 0, reads: 0 };
  const nodes = [...opts.nodes];
  let running = true;
  const pickNode = () => nodes[Math.floor(Math.random() * nodes.length)]!;

  const loop = async (client: ChaosClient) => {
    while (running) {
      const roll = Math.random();
      if (roll < 0.25) {
        const operationId = crypto.randomUUID();
        const node = await client.mutate<{ id: string }>('nodes.create', {
          operationId,
          kind: 'place',
          title: `chaos ${operationId}`,
          lat: CENTRE.lat + spread(),
          lon: CENTRE.lon + spread(),
        });
        if (node) {
          report.acked.push({ kind: 'node', operationId, id: node.id });
          nodes.push(node.id);
          // Read-your-writes: the person's next read, on whichever edge, sees their node.
          const own = await client.query('nodes.byId', { id: node.id });
          report.reads++;
          if (own && !own.found) report.staleReads++;
        }
      } else if (roll < 0.45) {
        const operationId = crypto.randomUUID();
        const thread = await client.mutate<{ id: string }>('threads.spin', {
          nodeId: pickNode(),
          kind: 'participation',
          operationId,
        });
        if (thread) report.acked.push({ kind: 'spin', operationId, id: thread.id });
      } else if (roll < 0.7) {
        const idempotencyKey = crypto.randomUUID();
        const message = await client.mutate<{ id: string }>('messages.post', {
          nodeId: pickNode(),
          body: `chaos ${idempotencyKey}`,
          idempotencyKey,
        });
        if (message) report.acked.push({ kind: 'message', idempotencyKey, id: message.id });
      } else if (opts.pages && roll < 0.78) {
        await client.page(Math.random() < 0.5 ? '/' : `/?knoten=${pickNode()}`);
        report.reads++;
      } else if (roll < 0.85) {
        await client.query('messages.list', { nodeId: pickNode() });
        report.reads++;
      } else {
        await client.tile(tileAround(10 + Math.floor(Math.random() * 5)));
        report.reads++;
      }
      await Bun.sleep(opts.thinkMs * (0.5 + Math.random()));
    }
  };

  const loops: Promise<void>[] = [];
  for (const token of opts.tokens) {
    const client = new ChaosClient(opts.base, token, opts.stats, opts.retry ?? true);
    for (let i = 0; i < opts.loopsPerPerson; i++) loops.push(loop(client));
  }
  return {
    report,
    /** Stops starting new actions and waits for the ones under way (with their retries). */
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
