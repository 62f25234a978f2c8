/**
 * The static check of the Grafana dashboards: every metric a panel (or a variable) names is one a component exports,
 * and every label it matches, groups, joins on or shows in a legend is one of that metric's labels. "Exported" is
 * what real /metrics output contains (parseExposition), plus the labels Prometheus attaches to every target.
 */

export interface Exported {
  /** Sample name (histograms give _bucket, _sum and _count) → label names seen on it. */
  metrics: Map<string, Set<string>>;
}

/** Labels every scraped series gets from its target (scrape config, ServiceMonitor or PodMonitor relabelling). */
export const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'container', 'endpoint'];

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Prometheus text exposition → sample names and their label names. Families without samples keep no labels. */
export function parseExposition(text: string, into: Exported = { metrics: new Map() }): Exported {
  const add = (name: string, labels: string[]) => {
    const set = into.metrics.get(name) ?? new Set<string>();
    for (const l of labels) set.add(l);
    into.metrics.set(name, set);
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name = '', kind] = type;
      if (kind === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) add(name + s, s === '_bucket' ? ['le'] : []);
      else if (kind === 'summary')
        for (const s of ['', '_sum', '_count']) add(name + s, s === '' ? ['quantile'] : []);
      else add(name, []);
      continue;
    }
    if (line.startsWith('#') || !line.trim()) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!sample) continue;
    const labels = [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1] ?? '');
    add(sample[1] ?? '', labels);
  }
  return into;
}

export interface Reference {
  metrics: string[];
  /** Label matchers per metric: medallion_x{phase="Failed"} → [medallion_x, phase]. */
  matchers: [string, string][];
  /** Labels of by/without/on/ignoring/group_left/group_right lists. */
  grouping: string[];
}

/** The metric and label names a PromQL expression refers to (a tokenizer, enough for the dashboards' PromQL). */
export function references(expr: string): Reference {
  const matchers: [string, string][] = [];
  const grouping: string[] = [];
  // Selectors first, before strings go: name{a="x", b=~"y"} (a bare {…} selector has no name).
  let rest = expr.replace(
    /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g,
    (_, name: string | undefined, body: string) => {
      for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g))
        matchers.push([name ?? '', m[1] ?? '']);
      return name ? ` ${name} ` : ' ';
    },
  );
  rest = rest.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, __, list: string) => {
      grouping.push(
        ...list
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
      );
      return ' ';
    },
  );
  const metrics = new Set<string>();
  for (const m of rest.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)) {
    const [, name = '', call] = m;
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    metrics.add(name);
  }
  return { metrics: [...metrics], matchers, grouping };
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
  legend?: string;
}

/** Every PromQL of a dashboard: panel targets, and variables' label_values(metric, label) as `metric` + label. */
export function dashboardQueries(dashboard: Record<string, unknown>): DashboardQuery[] {
  const title = String(dashboard.title);
  const out: DashboardQuery[] = [];
  const panels = (dashboard.panels ?? []) as {
    title: string;
    targets?: { expr: string; legendFormat?: string }[];
  }[];
  for (const p of panels)
    for (const t of p.targets ?? [])
      out.push({
        dashboard: title,
        panel: p.title,
        expr: t.expr,
        ...(t.legendFormat ? { legend: t.legendFormat } : {}),
      });
  const vars = (
    (dashboard.templating as { list?: { name: string; type: string; definition?: string }[] })?.list ?? []
  ).filter((v) => v.type === 'query');
  for (const v of vars) {
    const m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(v.definition ?? '');
    if (!m) {
      out.push({ dashboard: title, panel: `variable ${v.name}`, expr: `unparsable: ${v.definition}` });
      continue;
    }
    out.push({ dashboard: title, panel: `variable ${v.name}`, expr: m[1] ?? '', legend: `{{${m[2]}}}` });
  }
  return out;
}

/** Problems of one query against what the components export; empty when it only names exported metrics and labels. */
export function checkQuery(q: DashboardQuery, exported: Exported): string[] {
  const where = `${q.dashboard} / ${q.panel}`;
  if (q.expr.startsWith('unparsable: '))
    return [`${where}: variable query is not label_values(metric, label)`];
  const refs = references(q.expr);
  const problems: string[] = [];
  const labelsOf = (metric: string) =>
    metric === 'up'
      ? new Set(TARGET_LABELS)
      : new Set([...(exported.metrics.get(metric) ?? []), ...TARGET_LABELS]);
  if (refs.metrics.length === 0) problems.push(`${where}: names no metric`);
  for (const m of refs.metrics)
    if (m !== 'up' && !exported.metrics.has(m)) problems.push(`${where}: metric ${m} is not exported`);
  for (const [metric, label] of refs.matchers) {
    const scope = metric ? [metric] : refs.metrics;
    if (!scope.some((m) => labelsOf(m).has(label)))
      problems.push(`${where}: label ${label} is not on ${scope.join(', ')}`);
  }
  const all = new Set(refs.metrics.flatMap((m) => [...labelsOf(m)]));
  for (const label of refs.grouping)
    if (!all.has(label))
      problems.push(`${where}: by/on label ${label} is on none of ${refs.metrics.join(', ')}`);
  for (const m of (q.legend ?? '').matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g))
    if (!all.has(m[1] ?? ''))
      problems.push(`${where}: legend label ${m[1]} is on none of ${refs.metrics.join(', ')}`);
  return problems;
}
