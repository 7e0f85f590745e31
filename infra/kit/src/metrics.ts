// Prometheus metrics: one registry per service with process metrics and HTTP timings.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  counter<L extends string>(name: string, help: string, labels?: L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labels?: L[]): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labels?: L[],
    buckets?: number[],
  ): Histogram<L>;
}

export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'weltgewebe_process_' });
  const httpDuration = new Histogram({
    name: 'weltgewebe_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    counter: (name, help, labels = []) =>
      new Counter({ name, help, labelNames: labels, registers: [registry] }),
    gauge: (name, help, labels = []) =>
      new Gauge({ name, help, labelNames: labels, registers: [registry] }),
    histogram: (name, help, labels = [], buckets) =>
      new Histogram({
        name,
        help,
        labelNames: labels,
        registers: [registry],
        ...(buckets ? { buckets } : {}),
      }),
  };
}
