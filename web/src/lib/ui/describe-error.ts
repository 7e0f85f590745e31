// Turns any error of a tRPC call into what the person reads: a sentence, the request id to
// quote, and whether signing in again or waiting would help.
import { t } from '$lib/i18n/i18n.svelte';
import { edgeErrorInfo } from '$lib/trpc';

export interface ShownError {
  message: string;
  requestId: string | null;
  login: boolean;
  fieldErrors: Record<string, string[]>;
}

export function describeError(error: unknown): ShownError {
  const info = edgeErrorInfo(error);
  const shown: ShownError = {
    message: info.message,
    requestId: info.requestId,
    login: false,
    fieldErrors: info.fieldErrors,
  };
  if (info.network || (typeof navigator !== 'undefined' && !navigator.onLine)) {
    shown.message = t('common.networkError');
  } else if (info.trpcCode === 'UNAUTHORIZED') {
    shown.message = t('common.sessionExpired');
    shown.login = true;
  } else if (info.trpcCode === 'TOO_MANY_REQUESTS') {
    const seconds = Number(info.details.retryAfterSeconds) || 60;
    shown.message = t('common.rateLimited', { seconds: Math.ceil(seconds) });
  }
  return shown;
}

/** A call that renews the session cookies once when the access token ran out meanwhile. */
export async function withSessionRenewal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const info = edgeErrorInfo(error);
    if (info.trpcCode !== 'UNAUTHORIZED' && info.httpStatus !== 401) throw error;
    const renewed = await fetch('/auth/refresh', { method: 'POST' }).catch(() => null);
    if (!renewed?.ok) throw error;
    return await call();
  }
}
