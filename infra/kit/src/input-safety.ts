// The boundary every tRPC service puts in front of its procedures: text PostgreSQL cannot store
// (NUL) or that is not text at all (a lone UTF-16 surrogate), and absurd nesting, are refused
// as VALIDATION_FAILED with the field before any schema or query runs; a database that still
// refuses a value as malformed input answers 400, never 500 (the last line of defence).
import type { ZodError } from 'zod';
import { ApiError, fieldErrorsOf } from './api-error.ts';

/** No input of ours nests this deep (a MultiPolygon in an object is 5 levels). */
export const MAX_INPUT_DEPTH = 32;
/** At most this many bad fields are named; the rest are the same mistake. */
const MAX_ISSUES = 10;

const NUL_MESSAGE = 'Das Zeichen NUL ist nicht erlaubt.';
const SURROGATE_MESSAGE = 'Ungültiger Text: ein einzelnes UTF-16-Surrogat ist kein Zeichen.';
const DEPTH_MESSAGE = `Zu tief verschachtelt (höchstens ${MAX_INPUT_DEPTH} Ebenen).`;

// With the u flag a string is read by code points: a pair is one astral character, only a
// lone half is in the category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a string cannot be stored as text, or null when it can. */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(value)) return SURROGATE_MESSAGE;
  return null;
}

/**
 * Field errors ({ "a.b": [message] }) for every string and key in `input` that cannot be
 * stored, and for nesting deeper than MAX_INPUT_DEPTH; null when the input is clean. Walks
 * without recursion, so a hostile depth cannot overflow the stack.
 */
export function unsafeInputIssues(
  input: unknown,
  { text = true }: { text?: boolean } = {},
): Record<string, string[]> | null {
  const issues: Record<string, string[]> = {};
  let count = 0;
  const add = (path: string[], message: string) => {
    const key = path.join('.') || '_';
    if (issues[key]?.includes(message)) return;
    issues[key] = [...(issues[key] ?? []), message];
    count++;
  };
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: input, path: [] }];
  while (stack.length > 0 && count < MAX_ISSUES) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!text) continue;
      const problem = textProblem(value);
      if (problem) add(path, problem);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_INPUT_DEPTH) {
      add(path.slice(0, MAX_INPUT_DEPTH), DEPTH_MESSAGE);
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const problem = text ? textProblem(key) : null;
      // The key itself is bad: name the path without it (its text cannot be shown safely).
      if (problem) add(path, problem);
      else stack.push({ value: child, path: [...path, key] });
    }
  }
  return count > 0 ? issues : null;
}

export interface InputGuardOptions {
  /** The procedure's own schemas: their complaints about other fields come along. */
  schemas?: readonly InputSchema[];
  /**
   * Refuse unstorable text here (default). Off where the input is only passed on to a service
   * that refuses it itself with all its other complaints (the edge's forwarded commands):
   * nesting is still limited, since passing it on means serialising it again.
   */
  text?: boolean;
}

/** A procedure's input schema as far as the guard needs it (zod's safeParse). */
export interface InputSchema {
  safeParse(input: unknown): { success: true } | { success: false; error: ZodError };
}

/**
 * Refuses unsafe input the way a schema would (VALIDATION_FAILED, 400, the fields). With the
 * procedure's schemas, their complaints about the other fields come along, so a person sees
 * every mistake at once rather than one after the other.
 */
export function assertSafeInput(input: unknown, options: InputGuardOptions = {}): void {
  const { schemas = [], text = true } = options;
  const issues = unsafeInputIssues(input, { text });
  if (!issues) return;
  const fieldErrors: Record<string, string[]> = {};
  for (const schema of schemas) {
    const parsed = schema.safeParse(input);
    if (!parsed.success) Object.assign(fieldErrors, fieldErrorsOf(parsed.error));
  }
  // What the schema said about a field whose text is unstorable is beside the point.
  Object.assign(fieldErrors, issues);
  throw new ApiError(
    'VALIDATION_FAILED',
    'BAD_REQUEST',
    'Eingaben ungültig.',
    undefined,
    fieldErrors,
  );
}

/** A built tRPC router: its type nests the procedures, at run time they are flat by path. */
interface RouterDefinition {
  _def: { procedures: object };
}

/** path → input schemas of every procedure of a router, for assertSafeInput. */
export function inputSchemasOf(router: RouterDefinition): Map<string, InputSchema[]> {
  const procedures = router._def.procedures as Record<string, { _def: { inputs: unknown[] } }>;
  return new Map(
    Object.entries(procedures).map(([path, procedure]) => [
      path,
      procedure._def.inputs.filter(
        (i): i is InputSchema => typeof (i as InputSchema)?.safeParse === 'function',
      ),
    ]),
  );
}

/**
 * SQLSTATEs with which PostgreSQL refuses a value itself: bad encoding (22021, 22P05), too
 * long (22001), out of range (22003, 22008), unparsable (22P02, 22007), over a built-in limit
 * such as a tsvector's size (54000). Reached only when a schema let such a value through.
 */
const INPUT_SQLSTATES = new Set([
  '22021',
  '22P05',
  '22001',
  '22003',
  '22008',
  '22P02',
  '22007',
  '54000',
]);

/** The SQLSTATE of a postgres.js error (name PostgresError), or null. */
function sqlStateOf(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'PostgresError' && typeof code === 'string' ? code : null;
}

/**
 * A database refusal of malformed input as the caller's error (400 VALIDATION_FAILED, no SQL
 * in it), or null for anything else. Walks the cause chain (tRPC wraps what a procedure threw).
 */
export function inputErrorOfDatabase(error: unknown): ApiError | null {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const state = sqlStateOf(current);
    if (state && INPUT_SQLSTATES.has(state)) {
      return new ApiError(
        'VALIDATION_FAILED',
        'BAD_REQUEST',
        'Eine Eingabe kann so nicht gespeichert werden (ungültiger Text, Wert oder Länge).',
        undefined,
        { _: ['Wert nicht speicherbar.'] },
      );
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** What inputGuard hands to `onRefusedByDatabase`: enough for a log line, no values. */
export interface DatabaseRefusal {
  sqlState: string;
}

/**
 * The body of the input middleware of edge and core: refuse unsafe input up front, run the
 * procedure, and turn a database's refusal of input into a 400 (told to `onRefusedByDatabase`,
 * because a schema should have caught it: worth a warning, not an alarm).
 */
export async function inputGuard<R extends { ok: boolean; error?: unknown }>(
  getRawInput: () => Promise<unknown>,
  next: () => Promise<R>,
  onRefusedByDatabase: (info: DatabaseRefusal) => void,
  options: InputGuardOptions = {},
): Promise<R> {
  assertSafeInput(await getRawInput(), options);
  const result = await next();
  if (!result.ok) {
    const mapped = inputErrorOfDatabase(result.error);
    if (mapped) {
      let cause: unknown = result.error;
      while (cause && !sqlStateOf(cause)) cause = (cause as { cause?: unknown }).cause;
      onRefusedByDatabase({ sqlState: sqlStateOf(cause) ?? 'unknown' });
      throw mapped;
    }
  }
  return result;
}
