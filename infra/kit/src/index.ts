// Runtime kit every Weltgewebe service shares: logs, metrics, service endpoints, JWT and role checks.
export * from './api-error.ts';
export * from './input-safety.ts';
export * from './jwt.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './revocations.ts';
export * from './roles.ts';
export * from './service-endpoints.ts';
export * from './shutdown.ts';
