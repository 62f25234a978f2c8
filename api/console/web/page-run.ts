import { get } from './api.js';
import { count, duration, h, table } from './dom.js';
import { dagSvg, timeline, type Dag } from './graphics.js';
import type { LineageEvent, Provider, Quality, Run, RunChecks, Silver, Timeline } from './types.js';

export function dagFromLineage(events: LineageEvent[]): Dag {
  const jobs = new Set<string>();
  const datasets = new Set<string>();
  const edges = new Set<string>();
  for (const e of events) {
    if (e.eventType !== 'COMPLETE') continue;
    const job = e.job.name;
    jobs.add(job);
    for (const i of e.inputs ?? []) {
      datasets.add(i.name);
      edges.add(JSON.stringify([i.name, job]));
    }
    for (const o of e.outputs ?? []) {
      datasets.add(o.name);
      edges.add(JSON.stringify([job, o.name]));
    }
  }
  return {
    jobs: [...jobs],
    datasets: [...datasets],
    edges: [...edges].map((x) => JSON.parse(x) as [string, string]),
  };
}

const provider = (name: string, p: Provider | undefined) => [
  name,
  p?.source ?? '–',
  h('span', { class: `badge breaker-${p?.breakerState ?? 'none'}` }, p?.breakerState ?? '–'),
  count(p?.calls),
  count(p?.failures),
  p?.lastError ?? '',
];

export async function runPage(runId: string): Promise<HTMLElement> {
  const id = encodeURIComponent(runId);
  const [run, quality, lineage, silver, timelineData, declared] = await Promise.all([
    get<Run>(`runs/${id}`),
    get<Quality>(`runs/${id}/quality`),
    get<{ events: LineageEvent[] }>(`runs/${id}/lineage`),
    get<Silver>(`runs/${id}/silver`),
    get<Timeline>(`runs/${id}/timeline`),
    get<RunChecks>(`runs/${id}/checks`),
  ]);
  const now = Date.now();
  const spans = timelineData.spans.map((x) => ({
    label: `${x.step} #${x.attempt}`,
    step: x.step,
    attempt: x.attempt,
    start: Date.parse(x.started_at),
    end: x.finished_at ? Date.parse(x.finished_at) : now,
    phase: x.phase,
  }));
  const c = silver.counts;
  const reconciled = c ? c.silver_rows + c.quarantined + c.duplicates === c.bronze_rows : null;
  return h(
    'section',
    { 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, `Run ${run.id}`),
    h(
      'p',
      { class: 'lead' },
      h('span', { class: `badge phase-${run.phase.toLowerCase()}`, 'data-field': 'phase' }, run.phase),
      ` ${run.pipeline} · started ${run.started_at.replace('T', ' ').slice(0, 19)} UTC · `,
      run.finished_at
        ? `took ${duration(Date.parse(run.finished_at) - Date.parse(run.started_at))}`
        : 'running',
      ' · quality score ',
      h('strong', { 'data-field': 'quality' }, quality.score?.toFixed(4) ?? '–'),
    ),
    run.error ? h('p', { class: 'error', role: 'alert' }, `${run.error.code}: ${run.error.message}`) : null,
    h('h2', {}, 'Step timeline'),
    spans.length
      ? timeline(
          spans,
          `Step timeline: ${spans.map((x) => `${x.label} ${((x.end - x.start) / 1000).toFixed(1)} s`).join(', ')}`,
        )
      : h('p', {}, 'No step events recorded for this run.'),
    table(
      'Steps: start and end per attempt, rows in and out per layer',
      ['step', 'attempt', 'phase', 'start (UTC)', 'end (UTC)', 'rows in', 'rows out', 'duration', 'note'],
      run.steps.map((st) => {
        const span = [...spans].reverse().find((x) => x.step === st.name);
        return [
          st.name,
          String(span?.attempt ?? 1),
          h('span', { class: `badge phase-${st.phase.toLowerCase()}` }, st.phase),
          span ? new Date(span.start).toISOString().slice(11, 23) : '–',
          span ? new Date(span.end).toISOString().slice(11, 23) : '–',
          h('span', { 'data-rows-in': st.name }, count(st.rows_in)),
          h('span', { 'data-rows-out': st.name }, count(st.rows_out)),
          duration(st.duration_ms),
          st.message ?? '',
        ];
      }),
      { id: 'steps' },
    ),
    h('h2', {}, 'Reconciliation'),
    c
      ? h(
          'p',
          { id: 'reconciliation', class: reconciled ? 'ok' : 'error' },
          'bronze ',
          h('strong', { 'data-count': 'bronze' }, count(c.bronze_rows)),
          ' = silver ',
          h('strong', { 'data-count': 'silver' }, count(c.silver_rows)),
          ' + quarantine ',
          h('strong', { 'data-count': 'quarantine' }, count(c.quarantined)),
          ' + duplicates ',
          h('strong', { 'data-count': 'duplicates' }, count(c.duplicates)),
          reconciled ? ' ✓ reconciled' : ' ✗ does not reconcile',
        )
      : h('p', {}, 'No silver report for this run.'),
    h('h2', {}, 'Quality checks'),
    table(
      'Quality checks with severity and result',
      ['check', 'severity', 'result', 'observed', 'threshold'],
      (quality.report?.checks ?? []).map((k) => [
        k.name,
        k.severity,
        h('span', { class: `badge check-${k.status}` }, k.status),
        String(k.observed),
        String(k.threshold),
      ]),
      { id: 'checks' },
    ),
    h('h2', {}, 'Declared checks'),
    declaredChecks(declared),
    h('h2', {}, 'Quarantine'),
    c && Object.keys(c.quarantine_by_rule).length
      ? table(
          'Quarantined rows by rule',
          ['rule', 'rows'],
          Object.entries(c.quarantine_by_rule).map(([r, n]) => [r, h('span', { 'data-rule': r }, count(n))]),
          { id: 'quarantine' },
        )
      : h('p', { id: 'quarantine' }, c ? `${count(c.quarantined)} rows quarantined.` : 'Unknown.'),
    ...silver.samples.map((sm) =>
      table(
        `Sample rows quarantined by ${sm.rule}`,
        ['file', 'line', 'invoice', 'stock code', 'quantity', 'price', 'country', 'why'],
        sm.rows.map((r) =>
          [
            r.source_file,
            r.source_line,
            r.invoice_no,
            r.stock_code,
            r.quantity,
            r.unit_price,
            r.country,
            r.message,
          ].map((v) => String(v ?? '')),
        ),
        { class: 'samples' },
      ),
    ),
    h('h2', {}, 'Enrichment providers'),
    table(
      'Enrichment providers’ health in this run',
      ['provider', 'source', 'breaker', 'calls', 'failures', 'last error'],
      [
        provider('currency (ECB FX)', silver.enrichment?.currency),
        provider('country', silver.enrichment?.country),
        provider('product categories', silver.enrichment?.product),
      ],
      { id: 'providers' },
    ),
    h('h2', {}, 'Lineage'),
    lineage.events.length
      ? dagSvg(dagFromLineage(lineage.events), 'OpenLineage graph of the run: datasets and jobs')
      : h('p', {}, 'No lineage events.'),
  );
}

const CHECK_STATUS: Record<RunChecks['checks'][number]['status'], string> = {
  passed: 'pass',
  failed: 'fail',
  errored: 'fail',
  insufficientHistory: 'waiting',
};

/** The pipeline's own checks (spec.quality.checks): failures first, as the API orders them. */
function declaredChecks(d: RunChecks): HTMLElement {
  if (d.checks.length === 0) return h('p', { id: 'declared-checks' }, 'No declared checks ran in this run.');
  const t = d.tally;
  return h(
    'div',
    {},
    h(
      'p',
      { id: 'declared-tally' },
      h('strong', { 'data-tally': 'passed' }, String(t.passed)),
      ' passed · ',
      h('strong', { 'data-tally': 'failed' }, String(t.failed)),
      ' failed · ',
      h('strong', { 'data-tally': 'warned' }, String(t.warned)),
      ' warned · ',
      h('strong', { 'data-tally': 'insufficient_history' }, String(t.insufficient_history)),
      ' awaiting history',
    ),
    table(
      'Declared checks: kind, severity, result, observed against expected',
      ['check', 'kind', 'table', 'severity', 'result', 'observed', 'expected', 'failing rows', 'message'],
      d.checks.map((k) => [
        h('span', { 'data-check': k.name }, k.name),
        k.kind,
        `${k.layer}/${k.table}`,
        k.severity,
        h('span', { class: `badge check-${CHECK_STATUS[k.status]}`, 'data-check-status': k.name }, k.status),
        k.observed === null ? '–' : k.observed.toLocaleString('en-GB'),
        k.expected ?? '–',
        count(k.failing_rows),
        k.message,
      ]),
      { id: 'declared-checks' },
    ),
  );
}
