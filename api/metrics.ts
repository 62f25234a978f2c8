import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The API's metrics on the process's one Registry. `route` is the route pattern (/api/v1/runs/:runId), never the
 * raw URL, and `unmatched` for 404s, so label values stay bounded whatever clients send.
 */
export function createApiMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'medallion_api_requests_total',
    help: 'HTTP requests served, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'medallion_api_request_duration_seconds',
    help: 'Time to serve a request, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'medallion_api_auth_failures_total',
    help: 'Requests refused by authentication (401) or authorisation (403).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'medallion_api_rate_limited_total',
    help: 'Requests refused with 429 by the per-principal rate limit.',
    registers: [registry],
  });
  return {
    observe(method: string, route: string, statusCode: number, seconds: number) {
      requests.inc({ method, route, status_code: String(statusCode) });
      duration.observe({ method, route }, seconds);
    },
    authFailure: (reason: 'unauthenticated' | 'forbidden') => authFailures.inc({ reason }),
    rateLimited: () => rateLimited.inc(),
  };
}
