// What a tRPC client call that must fail was refused with: its message and the error data
// the service's formatter adds (stable code, HTTP status, request id, field errors).
import { expect } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import type { ApiErrorData } from '@weltgewebe/kit';

export async function failureOf(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const e = error as TRPCClientError<never>;
  return { message: e.message, data: e.data as unknown as ApiErrorData };
}
