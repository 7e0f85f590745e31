// What the fuzz test sends: hostile values as raw JSON text (so NUL, lone surrogates, 1e400
// and `__proto__` keys arrive exactly as an attacker writes them), a plausible input for any
// procedure built from its own zod schema (so one bad field at a time reaches the service
// behind the schema), and the procedures of a router read from the router itself (so a new
// procedure is fuzzed without anyone remembering to add it).
import { z } from 'zod';

/** A small seeded generator (mulberry32): the same seed sends the same requests. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)]!;
    },
    /** `n` distinct items (all of them when there are fewer). */
    sample<T>(items: readonly T[], n: number): T[] {
      const pool = [...items];
      const out: T[] = [];
      while (out.length < n && pool.length > 0)
        out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
      return out;
    },
  };
}

export type Random = ReturnType<typeof seededRandom>;

/** A hostile value: its name in reports and its raw JSON text. */
export interface Weird {
  name: string;
  json: string;
}

const DEPTH = 10_000;

/** The values the issue names (NUL, lone surrogates, 1 MB strings, deep nesting) come first. */
export const ESSENTIAL: Weird[] = [
  { name: 'NUL in text', json: '"a\\u0000b"' },
  { name: 'lone high surrogate', json: '"a\\ud800b"' },
  { name: 'lone low surrogate', json: '"\\udc00"' },
  // 10^6 characters: under the edge's 1 MiB body limit, so it reaches the schemas.
  { name: '1 MB string', json: JSON.stringify('x'.repeat(1_000_000)) },
  { name: `array nested ${DEPTH} deep`, json: `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}` },
  { name: `object nested ${DEPTH} deep`, json: `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}` },
];

export const MORE: Weird[] = [
  { name: 'null', json: 'null' },
  { name: 'true', json: 'true' },
  { name: 'zero', json: '0' },
  { name: 'minus one', json: '-1' },
  { name: 'empty array', json: '[]' },
  { name: 'empty object', json: '{}' },
  { name: 'empty string', json: '""' },
  { name: 'spaces', json: '"   "' },
  { name: 'plain text', json: '"Gemeinschaftsgarten"' },
  { name: '1e308', json: '1e308' },
  { name: '-1e308', json: '-1e308' },
  { name: '1e400 (Infinity when parsed)', json: '1e400' },
  { name: '2^53 + 1', json: '9007199254740993' },
  { name: 'tiny fraction', json: '4.9e-324' },
  { name: 'minus zero', json: '-0' },
  { name: '"NaN"', json: '"NaN"' },
  { name: '"Infinity"', json: '"Infinity"' },
  { name: '"1e999"', json: '"1e999"' },
  { name: '"0x1F"', json: '"0x1F"' },
  { name: '__proto__ key', json: '{"__proto__":{"polluted":true}}' },
  { name: 'constructor.prototype key', json: '{"constructor":{"prototype":{"polluted":true}}}' },
  { name: 'SQL quote', json: '"\'; DROP TABLE nodes; --"' },
  { name: 'tsquery syntax', json: '"!(a & b) <-> :* | \\\\ (("' },
  { name: 'LIKE wildcards', json: '"%_\\\\%"' },
  { name: 'right-to-left override', json: '"\\u202eevil\\u202c"' },
  { name: 'byte order mark', json: '"\\ufeffBOM"' },
  { name: 'emoji (a surrogate pair)', json: '"🧶 Faden"' },
  { name: 'combining mark', json: '"e\\u0301"' },
  { name: 'control characters', json: '"\\u0001\\u001f\\u007f\\u0085"' },
  { name: 'February 30th', json: '"2024-02-30T00:00:00Z"' },
  { name: 'year 0', json: '"0000-01-01T00:00:00Z"' },
  { name: 'year 275760', json: '"+275760-09-13T00:00:00Z"' },
  { name: 'far future', json: '"9999-12-31T23:59:59.999Z"' },
  { name: 'uuid of zeros', json: '"00000000-0000-0000-0000-000000000000"' },
  { name: '100,000 numbers', json: `[${'1,'.repeat(99_999)}1]` },
  {
    name: '10,000 keys',
    json: `{${Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  },
];

export const ALL_WEIRD: Weird[] = [...ESSENTIAL, ...MORE];

/** A tRPC procedure as the router holds it. */
export interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  /** JSON Schema of its input (from zod), or null when it takes none. */
  inputSchema: JsonSchema | null;
}

type JsonSchema = Record<string, unknown>;

/** A built tRPC router: its type nests the procedures, at run time they are flat by path. */
interface RouterLike {
  _def: { procedures: object };
}

type FlatProcedures = Record<string, { _def: { type: string; inputs: unknown[] } }>;

/** Every procedure of a tRPC router, read from the router. */
export function proceduresOf(router: RouterLike): ProcedureInfo[] {
  return Object.entries(router._def.procedures as FlatProcedures).map(([path, procedure]) => {
    const input = procedure._def.inputs[0];
    let inputSchema: JsonSchema | null = null;
    if (input) {
      inputSchema = z.toJSONSchema(input as z.ZodType, {
        io: 'input',
        unrepresentable: 'any',
      }) as JsonSchema;
    }
    return { path, type: procedure._def.type as ProcedureInfo['type'], inputSchema };
  });
}

/** Patterns in our schemas and a string that matches each kind. */
const PATTERN_CANDIDATES = ['1', 'fuzz-ort', 'a', 'A1'];

/**
 * A plausible input for a JSON Schema (first alternative of a union, every property, the middle
 * of a range): good enough to pass most schemas, so a mutation of one field reaches the code
 * behind them. Refinements (a closed ring, end after start) may still fail; that is fine.
 */
export function plausibleInput(schema: JsonSchema | null | undefined): unknown {
  if (!schema || typeof schema !== 'object') return undefined;
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const alternatives = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
  if (alternatives) {
    return plausibleInput(alternatives.find((a) => a.type !== 'null') ?? alternatives[0]);
  }
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'uuid') return crypto.randomUUID();
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      if (typeof schema.pattern === 'string') {
        const pattern = new RegExp(schema.pattern);
        return PATTERN_CANDIDATES.find((c) => pattern.test(c)) ?? 'a';
      }
      const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
      return 'Fuzz'.padEnd(min, 'z');
    }
    case 'number':
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000;
      const mid = (min + max) / 2;
      return schema.type === 'integer' ? Math.round(mid) : mid;
    }
    case 'boolean':
      return false;
    case 'array': {
      if (Array.isArray(schema.prefixItems)) {
        return (schema.prefixItems as JsonSchema[]).map((s) => plausibleInput(s));
      }
      const n = typeof schema.minItems === 'number' ? schema.minItems : 1;
      return Array.from({ length: n }, () => plausibleInput(schema.items as JsonSchema));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(
        (schema.properties ?? {}) as Record<string, JsonSchema>,
      )) {
        out[key] = plausibleInput(value);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Dotted paths of the fields in a plausible input (objects two levels deep). */
export function fieldPaths(value: unknown, prefix: string[] = [], depth = 2): string[][] {
  if (!value || typeof value !== 'object' || Array.isArray(value) || depth === 0) return [];
  return Object.entries(value).flatMap(([key, child]) => [
    [...prefix, key],
    ...fieldPaths(child, [...prefix, key], depth - 1),
  ]);
}

/** A marker no input contains, swapped for the raw fragment after stringifying. */
const MARK = '\u0000fuzz-hole\u0000';

/** The JSON text of `base` with the field at `path` replaced by a raw JSON fragment. */
export function withField(base: unknown, path: string[], fragment: string): string {
  const copy = structuredClone(base) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1)!] = MARK;
  // A function replacement: `$` in the fragment is not a pattern there.
  return JSON.stringify(copy).replace(JSON.stringify(MARK), () => fragment);
}
