// Runtime kit every Weltgewebe service shares: logs, metrics, service endpoints, JWT checks.
export * from './api-error.ts';
export * from './jwt.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './service-endpoints.ts';
