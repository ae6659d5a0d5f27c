// Prometheus metrics (prom-client, omnic_ prefix); label values are bounded, never a URL.
import client from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** One registry per app instance, so tests can run several apps in one process. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new client.Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string) => new client.Gauge({ name, help, registers: [registry] });
  return {
    registry,
    /** Metrics of the other processes of this instance (OMNIC_WORKERS), added into /metrics. */
    peers: undefined as (() => Promise<client.MetricObjectWithValues<client.MetricValue<string>>[][]>) | undefined,
    httpRequests: counter('omnic_http_requests_total', 'HTTP requests answered.', ['route', 'method', 'status']),
    httpDuration: new client.Histogram({
      name: 'omnic_http_request_duration_seconds',
      help: 'HTTP request duration.',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    conversions: counter('omnic_conversions_total', 'Conversion steps run.', ['converter', 'from', 'to', 'outcome']),
    conversionDuration: new client.Histogram({
      name: 'omnic_conversion_duration_seconds',
      help: 'Duration of one conversion step.',
      labelNames: ['converter'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    queueWaiting: gauge('omnic_queue_waiting', 'Jobs waiting for a slot.'),
    jobsRunning: gauge('omnic_jobs_running', 'Jobs running.'),
    queueWait: new client.Histogram({
      name: 'omnic_queue_wait_seconds',
      help: 'Time a job waited for a slot.',
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers: [registry],
    }),
    cacheHits: counter('omnic_cache_hits_total', 'Cache hits by layer (result, step, source).', ['layer']),
    cacheMisses: counter('omnic_cache_misses_total', 'Cache misses by layer (result, step, source).', ['layer']),
    cacheBytes: gauge('omnic_cache_bytes', 'Bytes held in the cache.'),
    cacheEvictions: counter('omnic_cache_evictions_total', 'Cache entries evicted to stay under the cap.'),
    sourceDownloads: counter('omnic_source_downloads_total', 'Source downloads by outcome.', ['outcome']),
    sourceBytes: counter('omnic_source_bytes_total', 'Source bytes downloaded.'),
    rejections: counter('omnic_rejections_total', 'Requests refused, by reason (error code).', ['reason']),
    coalesced: counter('omnic_coalesced_requests_total', 'Requests that joined identical work already in flight.'),
    converterRestarts: counter('omnic_converter_restarts_total', 'Restarts of long-lived converter processes.', ['converter']),
  };
}

/** The text /metrics answers: this process's registry, summed with its peers' when it has any. */
export async function exposition(metrics: Metrics): Promise<string> {
  const peers = metrics.peers ? await metrics.peers() : [];
  if (!peers.length) return metrics.registry.metrics();
  return client.AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), ...peers]).metrics();
}
