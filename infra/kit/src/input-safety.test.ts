// The input boundary's reading of text: NUL and lone surrogates are refused with their field,
// real text (emoji, accents, right-to-left marks) passes, keys count too, and no depth of
// nesting can overflow the stack.
import { describe, expect, test } from 'bun:test';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { ApiError } from './api-error.ts';
import {
  assertSafeInput,
  inputErrorOfDatabase,
  MAX_INPUT_DEPTH,
  textProblem,
  unsafeInputIssues,
} from './input-safety.ts';

describe('unsafeInputIssues', () => {
  test('real text passes: accents, emoji (surrogate pairs), RTL marks, control characters', () => {
    expect(
      unsafeInputIssues({
        title: 'Gärtnerei 🧶 e\u0301 \u202eabc\u202c \u0001',
        topics: ['food'],
        n: 1,
        ok: true,
        none: null,
      }),
    ).toBeNull();
  });

  test('NUL and lone surrogates are named by their field, at any depth', () => {
    expect(
      unsafeInputIssues({
        title: 'a\u0000b',
        near: { label: 'x\ud800' },
        list: ['fine', '\udc00'],
      }),
    ).toEqual({
      title: ['Das Zeichen NUL ist nicht erlaubt.'],
      'near.label': [expect.stringContaining('Surrogat')],
      'list.1': [expect.stringContaining('Surrogat')],
    });
    expect(unsafeInputIssues('a\u0000')).toEqual({ _: ['Das Zeichen NUL ist nicht erlaubt.'] });
  });

  test('a bad key is refused without repeating it', () => {
    const issues = unsafeInputIssues({ outer: { 'k\u0000': 1 } });
    expect(issues).toEqual({ outer: ['Das Zeichen NUL ist nicht erlaubt.'] });
  });

  test('nesting 100,000 deep is refused, not a stack overflow', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const issues = unsafeInputIssues({ area: deep });
    expect(Object.values(issues ?? {}).flat()).toEqual([
      expect.stringContaining(`höchstens ${MAX_INPUT_DEPTH}`),
    ]);
    // Our deepest real input (a MultiPolygon inside an object) is far from the limit.
    expect(
      unsafeInputIssues({ area: { type: 'MultiPolygon', coordinates: [[[[0, 0]]]] } }),
    ).toBeNull();
  });

  test('names at most ten fields', () => {
    const many = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`f${i}`, '\u0000']));
    expect(Object.keys(unsafeInputIssues(many) ?? {}).length).toBe(10);
  });

  test("with the procedure's schema, every other mistake is named at once", () => {
    const schema = z.object({
      title: z.string().max(3, 'zu lang'),
      lat: z.number().max(85, 'zu weit'),
    });
    let error: unknown;
    try {
      assertSafeInput({ title: 'a\u0000b', lat: 86 }, { schemas: [schema] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).fieldErrors).toEqual({
      lat: ['zu weit'],
      title: ['Das Zeichen NUL ist nicht erlaubt.'],
    });
    // Text is not looked at where a later service checks it; depth always is.
    expect(() => assertSafeInput({ title: 'a\u0000b' }, { text: false })).not.toThrow();
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => assertSafeInput(deep, { text: false })).toThrow(ApiError);
  });

  test('textProblem', () => {
    expect(textProblem('Faden')).toBeNull();
    expect(textProblem('\ud83e\uddf6')).toBeNull();
    expect(textProblem('\ud83e')).not.toBeNull();
  });
});

describe('inputErrorOfDatabase', () => {
  const pgError = (code: string) =>
    Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00 in SELECT …'), {
      name: 'PostgresError',
      code,
    });

  test('a refusal of input, however deep in the causes, is a 400 without SQL', () => {
    const wrapped = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: pgError('22021') });
    const mapped = inputErrorOfDatabase(wrapped);
    expect(mapped).toBeInstanceOf(ApiError);
    expect(mapped?.code).toBe('BAD_REQUEST');
    expect(mapped?.domainCode).toBe('VALIDATION_FAILED');
    expect(mapped?.message).not.toContain('SELECT');
  });

  test('other database errors stay internal (a bug, not the caller)', () => {
    for (const code of ['23505', '40001', '57014', '42P01', '22012'])
      expect(inputErrorOfDatabase(pgError(code))).toBeNull();
    expect(inputErrorOfDatabase(new Error('boom'))).toBeNull();
    expect(inputErrorOfDatabase(null)).toBeNull();
  });
});
