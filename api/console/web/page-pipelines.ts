import { get } from './api.js';
import { count, duration, h, percent, table } from './dom.js';
import { sparkline } from './graphics.js';
import type { Overview, Run } from './types.js';

const ago = (iso: string | null, now: number) => (iso ? `${duration(now - Date.parse(iso))} ago` : 'never');

export async function pipelinesPage(): Promise<HTMLElement> {
  const [rows, recent] = await Promise.all([
    get<Overview[]>('pipelines/overview'),
    get<Run[]>('runs', { limit: '20' }),
  ]);
  const now = Date.now();
  return h(
    'section',
    { 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, 'Pipelines'),
    table(
      'Each pipeline with its last run',
      ['pipeline', 'last run', 'phase', 'quality score', 'freshness', 'recent durations'],
      rows.map((p) => [
        p.namespace ? `${p.namespace}/${p.name}` : p.name,
        p.last_run ? h('a', { href: `#/runs/${encodeURIComponent(p.last_run.id)}` }, p.last_run.id) : '–',
        p.last_run
          ? h(
              'span',
              { class: `badge phase-${p.last_run.phase.toLowerCase()}`, 'data-field': 'phase' },
              p.last_run.phase,
            )
          : '–',
        h('span', { 'data-field': 'quality' }, p.last_run?.quality_score?.toFixed(4) ?? '–'),
        h(
          'span',
          { 'data-field': 'freshness', class: `fresh-${p.freshness}` },
          `last success ${ago(p.last_success_at, now)}`,
          p.schedule ? ` · schedule ${p.schedule}: ${p.freshness}` : ' · no schedule',
        ),
        sparkline(
          p.durations.map((d) => d.duration_ms),
          `durations of the last ${p.durations.length} runs: ${p.durations.map((d) => duration(d.duration_ms)).join(', ')}`,
        ),
      ]),
      { id: 'pipelines' },
    ),
    h('h2', {}, 'Recent runs'),
    table(
      'The 20 most recent runs',
      ['run', 'pipeline', 'phase', 'started', 'duration', 'quality score', 'silver rows'],
      recent.map((r) => [
        h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, r.id),
        r.pipeline,
        h('span', { class: `badge phase-${r.phase.toLowerCase()}` }, r.phase),
        r.started_at.replace('T', ' ').slice(0, 19),
        r.finished_at ? duration(Date.parse(r.finished_at) - Date.parse(r.started_at)) : 'running',
        percent(r.quality_score, 2),
        count(r.steps.find((s) => s.name === 'silver')?.rows_out),
      ]),
      { id: 'runs' },
    ),
  );
}
