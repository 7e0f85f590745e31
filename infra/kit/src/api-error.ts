// One error shape for every tRPC service: a stable SCREAMING domain code, the tRPC code,
// field errors, public details and the request id — and never anything internal.
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';

export type TrpcCode = ConstructorParameters<typeof TRPCError>[0]['code'];

export class ApiError extends TRPCError {
  constructor(
    readonly domainCode: string,
    code: TrpcCode,
    message: string,
    /** Public data for the client (e.g. the current node on a version conflict). */
    readonly details?: Record<string, unknown>,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super({ code, message });
  }
}

/** At most this many fields, each with at most MAX_MESSAGES_PER_FIELD messages, are named. */
const MAX_FIELDS = 20;
const MAX_MESSAGES_PER_FIELD = 3;

/**
 * Zod issues → { field: [messages] } with dotted paths; the first fields only, so that an
 * input of 100,000 bad items answers with a short error, not one of megabytes.
 */
export function fieldErrorsOf(error: ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let fields = 0;
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '_';
    const messages = out[key];
    if (messages) {
      if (messages.length < MAX_MESSAGES_PER_FIELD) messages.push(issue.message);
    } else if (fields < MAX_FIELDS) {
      out[key] = [issue.message];
      fields++;
    }
  }
  return out;
}

export interface ApiErrorData {
  code: TrpcCode;
  httpStatus: number;
  domainCode: string;
  requestId: string | null;
  fieldErrors?: Record<string, string[]>;
  details?: Record<string, unknown>;
}

interface FormatterInput {
  shape: { code: number; message: string; data: { code: TrpcCode; httpStatus: number } };
  error: TRPCError;
  requestId: string | null;
}

/**
 * Shapes an error for the client. It does not log: the transport's onError hears every
 * internal error once, with the procedure path.
 */
export function formatApiError({ shape, error, requestId }: FormatterInput) {
  const internal = error.code === 'INTERNAL_SERVER_ERROR';
  let domainCode: string = error.code;
  let fieldErrors: Record<string, string[]> | undefined;
  let details: Record<string, unknown> | undefined;
  let message = error.message;
  if (error instanceof ApiError) {
    domainCode = error.domainCode;
    fieldErrors = error.fieldErrors;
    details = error.details;
  } else if (error.cause instanceof ZodError) {
    domainCode = 'VALIDATION_FAILED';
    fieldErrors = fieldErrorsOf(error.cause);
    message = 'Eingaben ungültig.';
  }
  if (internal) message = `Interner Fehler (Anfrage ${requestId ?? 'unbekannt'}).`;
  const data: ApiErrorData = {
    code: shape.data.code,
    httpStatus: shape.data.httpStatus,
    domainCode,
    requestId,
    ...(fieldErrors ? { fieldErrors } : {}),
    ...(details ? { details } : {}),
  };
  return { code: shape.code, message, data };
}
