import { s } from './dom.js';

/** Hand-drawn SVG: sparkline, step timeline, lineage DAG. Each a few dozen lines, no library needed. */

export function sparkline(values: number[], label: string): SVGElement {
  const w = 120;
  const hgt = 28;
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  const pts = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(hgt - 2 - (v / max) * (hgt - 4)).toFixed(1)}`,
  );
  return s(
    'svg',
    { class: 'spark', viewBox: `0 0 ${w} ${hgt}`, width: w, height: hgt, role: 'img', 'aria-label': label },
    s('title', {}, label),
    values.length > 1 ? s('polyline', { points: pts.join(' '), fill: 'none', class: 'spark-line' }) : null,
    ...values.map((_, i) =>
      s('circle', { cx: pts[i]!.split(',')[0]!, cy: pts[i]!.split(',')[1]!, r: 1.6, class: 'spark-dot' }),
    ),
  );
}

export interface Span {
  label: string;
  start: number;
  end: number;
  phase: string;
}

export function timeline(spans: Span[], label: string): SVGElement {
  const left = 160;
  const w = 760;
  const row = 26;
  const t0 = Math.min(...spans.map((x) => x.start));
  const t1 = Math.max(...spans.map((x) => x.end), t0 + 1);
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (w - left - 10);
  return s(
    'svg',
    { class: 'timeline', viewBox: `0 0 ${w} ${spans.length * row + 24}`, role: 'img', 'aria-label': label },
    s('title', {}, label),
    ...spans.map((sp, i) =>
      s(
        'g',
        {},
        s('text', { x: 4, y: i * row + 17, class: 'tl-label' }, sp.label),
        s('rect', {
          x: x(sp.start),
          y: i * row + 5,
          width: Math.max(2, x(sp.end) - x(sp.start)),
          height: row - 10,
          class: `tl-bar phase-${sp.phase.toLowerCase()}`,
          'data-step': sp.label,
        }),
        s(
          'text',
          // After the bar, or before it when the bar reaches the right edge.
          x(sp.end) + 60 <= w
            ? { x: x(sp.end) + 4, y: i * row + 17, class: 'tl-time' }
            : { x: x(sp.start) - 4, y: i * row + 17, class: 'tl-time', 'text-anchor': 'end' },
          `${((sp.end - sp.start) / 1000).toFixed(1)} s`,
        ),
      ),
    ),
    s(
      'text',
      { x: left, y: spans.length * row + 18, class: 'tl-axis' },
      new Date(t0).toISOString().slice(11, 19),
    ),
    s(
      'text',
      { x: w - 70, y: spans.length * row + 18, class: 'tl-axis' },
      new Date(t1).toISOString().slice(11, 19),
    ),
  );
}

export interface Dag {
  jobs: string[];
  datasets: string[];
  edges: [string, string][];
}

/** Layered layout: each node's column is the longest path to it; jobs are boxes, datasets are rounded pills. */
export function dagSvg(dag: Dag, label: string): SVGElement {
  const nodes = [...dag.datasets, ...dag.jobs];
  const depth = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (let i = 0; i < nodes.length; i++) {
    for (const [a, b] of dag.edges) depth.set(b, Math.max(depth.get(b)!, depth.get(a)! + 1));
  }
  const columns = new Map<number, string[]>();
  for (const n of nodes) columns.set(depth.get(n)!, [...(columns.get(depth.get(n)!) ?? []), n]);
  const colW = 200;
  const rowH = 46;
  const maxRows = Math.max(...[...columns.values()].map((c) => c.length));
  const pos = new Map<string, { x: number; y: number }>();
  for (const [c, list] of columns) list.forEach((n, r) => pos.set(n, { x: 10 + c * colW, y: 10 + r * rowH }));
  const width = 10 + columns.size * colW;
  const height = 20 + maxRows * rowH;
  const short = (n: string) => (n.length > 26 ? `…${n.slice(-25)}` : n);
  return s(
    'svg',
    { class: 'dag', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label },
    s('title', {}, label),
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 8 8',
          refX: 8,
          refY: 4,
          markerWidth: 6,
          markerHeight: 6,
          orient: 'auto',
        },
        s('path', { d: 'M0,0 L8,4 L0,8 z', class: 'dag-arrow' }),
      ),
    ),
    ...dag.edges.map(([a, b]) => {
      const p = pos.get(a)!;
      const q = pos.get(b)!;
      return s('path', {
        d: `M${p.x + 170},${p.y + 15} C${p.x + 185},${p.y + 15} ${q.x - 15},${q.y + 15} ${q.x},${q.y + 15}`,
        class: 'dag-edge',
        'marker-end': 'url(#arrow)',
      });
    }),
    ...nodes.map((n) => {
      const p = pos.get(n)!;
      const job = dag.jobs.includes(n);
      return s(
        'g',
        { class: job ? 'dag-job' : 'dag-dataset', 'data-node': n },
        s('rect', { x: p.x, y: p.y, width: 170, height: 30, rx: job ? 3 : 15 }),
        s('text', { x: p.x + 85, y: p.y + 19, 'text-anchor': 'middle' }, short(n)),
        s('title', {}, `${job ? 'job' : 'dataset'} ${n}`),
      );
    }),
  );
}
