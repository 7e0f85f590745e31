// Prometheus metrics of the web server (same names as the other services).
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
registry.setDefaultLabels({ service: 'web' });
collectDefaultMetrics({ register: registry, prefix: 'weltgewebe_process_' });

export const httpDuration = new Histogram({
  name: 'weltgewebe_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});
