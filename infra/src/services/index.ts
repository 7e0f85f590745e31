// Local services as code: PostgreSQL + PostGIS and NATS JetStream for `up` and the tests.
export { freePort, waitForHttp, waitForPort } from './free-port.ts';
export { type NatsHandle, type NatsOptions, startNats } from './nats.ts';
export {
  type PostgresHandle,
  type PostgresOptions,
  startPostgres,
  stopPostgresSync,
} from './postgres.ts';
export { ensureSystemPackages, findBinary, missingPackages } from './system-packages.ts';
