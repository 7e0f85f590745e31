// What a failed send of a queued command means: no answer waits, a refused session waits for a
// sign-in, and what the core refused (a version conflict above all) is shown to the person.
import { describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { outcomeOf, problemOf } from './command-queue';

function edgeError(data: Record<string, unknown>, message = 'refused'): TRPCClientError<never> {
  return new TRPCClientError(message, {
    result: { error: { message, code: -32600, data } },
  } as never);
}

describe('outcomeOf', () => {
  test('no answer at all (offline) and an unavailable service are tried again later', () => {
    expect(outcomeOf(new TRPCClientError('Failed to fetch'))).toBe('later');
    expect(outcomeOf(edgeError({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 }))).toBe('later');
    expect(outcomeOf(edgeError({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 }))).toBe('later');
  });

  test('a session that ran out waits for a sign-in; a refusal by the core is final', () => {
    expect(outcomeOf(edgeError({ code: 'UNAUTHORIZED', httpStatus: 401 }))).toBe('login');
    expect(outcomeOf(edgeError({ code: 'CONFLICT', httpStatus: 409 }))).toBe('failed');
    expect(outcomeOf(edgeError({ code: 'BAD_REQUEST', httpStatus: 400 }))).toBe('failed');
  });
});

describe('problemOf', () => {
  test('a version conflict keeps the Knoten as it is now', () => {
    const problem = problemOf(
      edgeError(
        {
          code: 'CONFLICT',
          domainCode: 'NODE_VERSION_CONFLICT',
          httpStatus: 409,
          requestId: 'req-1',
          details: { current: { id: 'n1', title: 'Neuer Titel', version: 4, body: '…' } },
        },
        'Der Knoten wurde inzwischen geändert.',
      ),
    );
    expect(problem).toEqual({
      code: 'NODE_VERSION_CONFLICT',
      message: 'Der Knoten wurde inzwischen geändert.',
      requestId: 'req-1',
      current: { id: 'n1', title: 'Neuer Titel', version: 4 },
    });
  });

  test('other refusals keep their code and message, without a current Knoten', () => {
    const problem = problemOf(edgeError({ code: 'FORBIDDEN', httpStatus: 403 }, 'Nicht erlaubt.'));
    expect(problem).toMatchObject({ code: 'FORBIDDEN', message: 'Nicht erlaubt.', current: null });
  });
});
