/**
 * The panels of the chart's Grafana dashboards, one list per dashboard. Written as data so the JSON files, the panel
 * table in docs/observability.md and the Prometheus end-to-end test all read one source
 * (build-dashboards.ts writes charts/medallion/files/grafana/*.json from it).
 *
 * Variables the expressions may use: $namespace, $pipeline (pipelines), $job (operator, API), and Grafana's
 * $__rate_interval and $__range. Multi-value variables use `=~` with an All value of `.*`.
 *
 * Counters that only appear with their first increment (reconcile errors, 5xx) are written `x or <same shape> * 0`,
 * so a healthy system shows 0 instead of "No data".
 */

export interface PanelTarget {
  expr: string;
  legend: string;
}

export interface PanelDef {
  title: string;
  description: string;
  type: 'timeseries' | 'stat' | 'table' | 'bargauge';
  unit: string;
  targets: PanelTarget[];
  /** Width in grid columns (of 24); height is fixed per type. */
  w: number;
}

export interface VariableDef {
  name: string;
  label: string;
  /** Grafana's label_values(metric, label) query: a metric name, optionally with a selector. */
  metric: string;
  labelName: string;
}

export interface DashboardDef {
  file: string;
  uid: string;
  title: string;
  description: string;
  variables: VariableDef[];
  rows: { title: string; panels: PanelDef[] }[];
}

const RI = '$__rate_interval';
const op = (sel = '') => `{job=~"$job"${sel}}`;
const pl = (sel = '') => `{namespace=~"$namespace",pipeline=~"$pipeline"${sel}}`;

export const OPERATOR: DashboardDef = {
  file: 'medallion-operator.json',
  uid: 'medallion-operator',
  title: 'Medallion / Operator',
  description:
    'Health of the Medallion operator replicas: reconciles, errors, work queues, leader lease, memory.',
  variables: [{ name: 'job', label: 'Job', metric: 'medallion_leader', labelName: 'job' }],
  rows: [
    {
      title: 'Leader and replicas',
      panels: [
        {
          title: 'Replicas holding the lease',
          description: 'Sum of medallion_leader over the replicas: 1 is healthy, 0 means nothing reconciles.',
          type: 'stat',
          unit: 'none',
          targets: [{ expr: `sum(medallion_leader${op()})`, legend: 'leaders' }],
          w: 6,
        },
        {
          title: 'Replicas up',
          description: 'Operator targets Prometheus scraped successfully.',
          type: 'stat',
          unit: 'none',
          targets: [{ expr: `sum(up${op()})`, legend: 'up' }],
          w: 6,
        },
        {
          title: 'Leader by replica',
          description: 'Which replica holds the leader Lease; a hand-over shows as a swap.',
          type: 'timeseries',
          unit: 'none',
          targets: [{ expr: `max by (instance) (medallion_leader${op()})`, legend: '{{instance}}' }],
          w: 12,
        },
      ],
    },
    {
      title: 'Reconciles',
      panels: [
        {
          title: 'Reconciles per second',
          description: 'By controller and result (ok or error).',
          type: 'timeseries',
          unit: 'ops',
          targets: [
            {
              expr: `sum by (controller, result) (rate(medallion_reconcile_total${op()}[${RI}]))`,
              legend: '{{controller}} {{result}}',
            },
          ],
          w: 8,
        },
        {
          title: 'Reconcile errors per second',
          description: 'Failed reconciles (requeued with backoff), by controller; 0 when none failed.',
          type: 'timeseries',
          unit: 'ops',
          targets: [
            {
              expr:
                `sum by (controller) (rate(medallion_reconcile_errors_total${op()}[${RI}]))` +
                ` or sum by (controller) (rate(medallion_reconcile_total${op()}[${RI}])) * 0`,
              legend: '{{controller}}',
            },
          ],
          w: 8,
        },
        {
          title: 'Reconcile duration p95',
          description: '95th percentile of one reconcile, by controller.',
          type: 'timeseries',
          unit: 's',
          targets: [
            {
              expr: `histogram_quantile(0.95, sum by (controller, le) (rate(medallion_reconcile_duration_seconds_bucket${op()}[${RI}])))`,
              legend: '{{controller}}',
            },
          ],
          w: 8,
        },
        {
          title: 'Work queue depth',
          description: 'Keys waiting in each controller work queue (leader only; standbys report 0).',
          type: 'timeseries',
          unit: 'none',
          targets: [{ expr: `sum by (controller) (medallion_queue_depth${op()})`, legend: '{{controller}}' }],
          w: 12,
        },
        {
          title: 'Error share',
          description:
            'Share of reconciles that failed over the range, per controller (the alert fires above 5%).',
          type: 'bargauge',
          unit: 'percentunit',
          targets: [
            {
              expr:
                `(sum by (controller) (increase(medallion_reconcile_errors_total${op()}[$__range]))` +
                ` or sum by (controller) (increase(medallion_reconcile_total${op()}[$__range])) * 0)` +
                ` / sum by (controller) (increase(medallion_reconcile_total${op()}[$__range]))`,
              legend: '{{controller}}',
            },
          ],
          w: 12,
        },
      ],
    },
    {
      title: 'Process',
      panels: [
        {
          title: 'Resident memory',
          description: 'Resident set size per replica (the chart limits it to 512 MiB).',
          type: 'timeseries',
          unit: 'bytes',
          targets: [
            { expr: `medallion_operator_process_resident_memory_bytes${op()}`, legend: '{{instance}}' },
          ],
          w: 8,
        },
        {
          title: 'Heap used',
          description: 'V8 heap in use per replica.',
          type: 'timeseries',
          unit: 'bytes',
          targets: [
            { expr: `medallion_operator_nodejs_heap_size_used_bytes${op()}`, legend: '{{instance}}' },
          ],
          w: 8,
        },
        {
          title: 'CPU and event loop lag',
          description: 'CPU seconds per second, and the p99 event loop lag (a busy loop delays watches).',
          type: 'timeseries',
          unit: 's',
          targets: [
            {
              expr: `rate(medallion_operator_process_cpu_seconds_total${op()}[${RI}])`,
              legend: 'cpu {{instance}}',
            },
            {
              expr: `medallion_operator_nodejs_eventloop_lag_p99_seconds${op()}`,
              legend: 'lag p99 {{instance}}',
            },
          ],
          w: 8,
        },
      ],
    },
  ],
};

export const PIPELINES: DashboardDef = {
  file: 'medallion-pipelines.json',
  uid: 'medallion-pipelines',
  title: 'Medallion / Pipelines',
  description:
    'Run outcomes, step durations, quality, freshness, schedules and enrichment providers per pipeline.',
  variables: [
    {
      name: 'namespace',
      label: 'Namespace',
      metric: 'medallion_run_completions_total',
      labelName: 'namespace',
    },
    {
      name: 'pipeline',
      label: 'Pipeline',
      metric: 'medallion_run_completions_total{namespace=~"$namespace"}',
      labelName: 'pipeline',
    },
  ],
  rows: [
    {
      title: 'Runs',
      panels: [
        {
          title: 'Run outcomes',
          description: 'PipelineRuns that finished in the range, by terminal phase.',
          type: 'stat',
          unit: 'none',
          targets: [
            {
              expr: `sum by (phase) (increase(medallion_run_completions_total${pl()}[$__range]))`,
              legend: '{{phase}}',
            },
          ],
          w: 12,
        },
        {
          title: 'Run outcomes over time',
          description: 'Finished runs per pipeline and phase.',
          type: 'timeseries',
          unit: 'none',
          targets: [
            {
              expr: `sum by (namespace, pipeline, phase) (increase(medallion_run_completions_total${pl()}[${RI}]))`,
              legend: '{{namespace}}/{{pipeline}} {{phase}}',
            },
          ],
          w: 12,
        },
        {
          title: 'Mean run duration',
          description: 'Mean wall time of the runs that finished in the range, first Job to terminal phase.',
          type: 'bargauge',
          unit: 's',
          targets: [
            {
              expr:
                `sum by (namespace, pipeline) (increase(medallion_run_duration_seconds_sum${pl()}[$__range]))` +
                ` / sum by (namespace, pipeline) (increase(medallion_run_duration_seconds_count${pl()}[$__range]))`,
              legend: '{{namespace}}/{{pipeline}}',
            },
          ],
          w: 12,
        },
        {
          title: 'Step duration (mean and p90)',
          description: 'Steps that finished in the range, retries included; p90 from the histogram buckets.',
          type: 'bargauge',
          unit: 's',
          targets: [
            {
              expr:
                `sum by (step) (increase(medallion_step_duration_seconds_sum${pl()}[$__range]))` +
                ` / sum by (step) (increase(medallion_step_duration_seconds_count${pl()}[$__range]))`,
              legend: 'mean {{step}}',
            },
            {
              expr: `histogram_quantile(0.9, sum by (step, le) (increase(medallion_step_duration_seconds_bucket${pl()}[$__range])))`,
              legend: 'p90 {{step}}',
            },
          ],
          w: 12,
        },
      ],
    },
    {
      title: 'Quality and freshness',
      panels: [
        {
          title: 'Quality score vs minimum',
          description: "The last run's silver quality score and the pipeline's spec.quality.minScore.",
          type: 'timeseries',
          unit: 'percentunit',
          targets: [
            {
              expr: `max by (namespace, pipeline) (medallion_pipeline_last_quality_score${pl()})`,
              legend: 'score {{namespace}}/{{pipeline}}',
            },
            {
              expr: `max by (namespace, pipeline) (medallion_pipeline_quality_min_score${pl()})`,
              legend: 'min {{namespace}}/{{pipeline}}',
            },
          ],
          w: 12,
        },
        {
          title: 'Time since last success',
          description: 'Since the last Succeeded or Degraded run finished.',
          type: 'stat',
          unit: 's',
          targets: [
            {
              expr: `time() - max by (namespace, pipeline) (medallion_pipeline_last_success_timestamp_seconds${pl()})`,
              legend: '{{namespace}}/{{pipeline}}',
            },
          ],
          w: 6,
        },
        {
          title: 'Freshness vs schedule',
          description:
            'Time since the last success in schedule intervals (most frequent active schedule); the stale alert fires above 1.5.',
          type: 'stat',
          unit: 'none',
          targets: [
            {
              expr:
                `(time() - max by (namespace, pipeline) (medallion_pipeline_last_success_timestamp_seconds${pl()}))` +
                ` / on (namespace, pipeline) min by (namespace, pipeline) (medallion_schedule_interval_seconds${pl()}` +
                ` unless on (namespace, schedule, pipeline) (medallion_schedule_suspended == 1))`,
              legend: '{{namespace}}/{{pipeline}}',
            },
          ],
          w: 6,
        },
      ],
    },
    {
      title: 'Schedules and enrichment',
      panels: [
        {
          title: 'Missed scheduled runs',
          description:
            'Schedule times that produced no run in the range, by reason (starting_deadline_exceeded, concurrency_forbid).',
          type: 'table',
          unit: 'none',
          targets: [
            {
              expr: `sum by (namespace, schedule, reason) (increase(medallion_schedule_missed_runs_total${pl()}[$__range]))`,
              legend: '{{namespace}}/{{schedule}} {{reason}}',
            },
          ],
          w: 8,
        },
        {
          title: 'Next scheduled run in',
          description:
            'Seconds until each schedule fires next (negative: overdue); suspended schedules have none.',
          type: 'table',
          unit: 's',
          targets: [
            {
              expr: `min by (namespace, schedule) (medallion_schedule_next_schedule_timestamp_seconds${pl()}) - time()`,
              legend: '{{namespace}}/{{schedule}}',
            },
          ],
          w: 8,
        },
        {
          title: 'Suspended schedules',
          description: '1 while a schedule is suspended.',
          type: 'table',
          unit: 'none',
          targets: [
            {
              expr: `max by (namespace, schedule) (medallion_schedule_suspended${pl()})`,
              legend: '{{namespace}}/{{schedule}}',
            },
          ],
          w: 8,
        },
        {
          title: 'Enrichment circuit breakers',
          description:
            "Per provider, at the end of the pipeline's last finished run: 1 open or half-open (fallback data used), 0 closed.",
          type: 'timeseries',
          unit: 'none',
          targets: [
            {
              expr: `max by (namespace, pipeline, provider) (medallion_enrichment_breaker_open${pl()})`,
              legend: '{{namespace}}/{{pipeline}} {{provider}}',
            },
          ],
          w: 24,
        },
      ],
    },
  ],
};

const api = (sel = '') => `{job=~"$job"${sel}}`;

export const API: DashboardDef = {
  file: 'medallion-api.json',
  uid: 'medallion-api',
  title: 'Medallion / API',
  description:
    'The read API: request rate, latency percentiles, status codes, authentication and rate limits.',
  variables: [{ name: 'job', label: 'Job', metric: 'medallion_api_requests_total', labelName: 'job' }],
  rows: [
    {
      title: 'Traffic',
      panels: [
        {
          title: 'Requests per second by route',
          description: 'By route pattern (never the raw URL); unmatched is every 404.',
          type: 'timeseries',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (method, route) (rate(medallion_api_requests_total${api()}[${RI}]))`,
              legend: '{{method}} {{route}}',
            },
          ],
          w: 12,
        },
        {
          title: 'Requests per second by status code',
          description: 'Every status code the API answered with.',
          type: 'timeseries',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (status_code) (rate(medallion_api_requests_total${api()}[${RI}]))`,
              legend: '{{status_code}}',
            },
          ],
          w: 12,
        },
        {
          title: 'Server error share',
          description: 'Share of requests answered with a 5xx status.',
          type: 'stat',
          unit: 'percentunit',
          targets: [
            {
              expr:
                `(sum(rate(medallion_api_requests_total${api(',status_code=~"5.."')}[${RI}]))` +
                ` or sum(rate(medallion_api_requests_total${api()}[${RI}])) * 0)` +
                ` / sum(rate(medallion_api_requests_total${api()}[${RI}]))`,
              legend: '5xx',
            },
          ],
          w: 8,
        },
        {
          title: 'Refused requests',
          description:
            'Authentication (401) and authorisation (403) failures by reason, and 429s from the rate limit.',
          type: 'timeseries',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (reason) (rate(medallion_api_auth_failures_total${api()}[${RI}]))`,
              legend: '{{reason}}',
            },
            {
              expr: `sum(rate(medallion_api_rate_limited_total${api()}[${RI}]))`,
              legend: 'rate limited',
            },
          ],
          w: 16,
        },
      ],
    },
    {
      title: 'Latency',
      panels: [
        {
          title: 'Latency percentiles',
          description: 'p50, p95 and p99 over every route.',
          type: 'timeseries',
          unit: 's',
          targets: [0.5, 0.95, 0.99].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le) (rate(medallion_api_request_duration_seconds_bucket${api()}[${RI}])))`,
            legend: `p${q * 100}`,
          })),
          w: 12,
        },
        {
          title: 'p95 latency by route',
          description: 'The slowest routes first.',
          type: 'timeseries',
          unit: 's',
          targets: [
            {
              expr: `histogram_quantile(0.95, sum by (route, le) (rate(medallion_api_request_duration_seconds_bucket${api()}[${RI}])))`,
              legend: '{{route}}',
            },
          ],
          w: 12,
        },
      ],
    },
    {
      title: 'Process',
      panels: [
        {
          title: 'Resident memory',
          description: 'Resident set size per API pod.',
          type: 'timeseries',
          unit: 'bytes',
          targets: [{ expr: `medallion_api_process_resident_memory_bytes${api()}`, legend: '{{instance}}' }],
          w: 12,
        },
        {
          title: 'Event loop lag p99',
          description: 'A slow loop delays every request.',
          type: 'timeseries',
          unit: 's',
          targets: [
            { expr: `medallion_api_nodejs_eventloop_lag_p99_seconds${api()}`, legend: '{{instance}}' },
          ],
          w: 12,
        },
      ],
    },
  ],
};

export const DASHBOARDS: readonly DashboardDef[] = [OPERATOR, PIPELINES, API];
