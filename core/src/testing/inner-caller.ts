// A tRPC caller on an inner context for tests that need many distinct people: the dev OIDC
// provider has three demo users, so other identities are given as plain values here. Same
// procedures, middlewares, database and log sink as the HTTP path; only the JWT check is skipped.
import type { AuthIdentity, Role } from '@weltgewebe/kit';
import { createLogger } from '@weltgewebe/kit';
import { coreRouter } from '../router.ts';
import { createCallerFactory } from '../trpc.ts';
import type { CoreHarness } from './core-harness.ts';

const createCaller = createCallerFactory(coreRouter);

export interface InnerCallerOptions {
  role?: Role;
  name?: string;
  /** Clock of this caller's services (thread lifetimes without waiting a week). */
  now?: () => Date;
  /** The token's e-mail address (notification and alert mails go there). */
  email?: string;
}

export function innerCallerAs(h: CoreHarness, subject: string, options: InnerCallerOptions = {}) {
  const role = options.role ?? 'reader';
  const identity: AuthIdentity = {
    subject,
    name: options.name ?? `Person ${subject.slice(0, 8)}`,
    roles: [role],
    role,
    token: '',
    ...(options.email ? { email: options.email } : {}),
  };
  const log = createLogger('core', { sink: (l) => h.logLines.push(l), level: 'debug' });
  const requestId = crypto.randomUUID();
  return createCaller({
    requestId,
    identity,
    services: {
      sql: h.sql,
      log,
      now: options.now ?? (() => new Date()),
      ...(h.services.push ? { push: h.services.push } : {}),
    },
    log: log.child({ request_id: requestId }),
  });
}
