import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DASHBOARDS, type DashboardDef, type PanelDef } from './panels.js';

/**
 * Writes the chart's Grafana dashboards (charts/medallion/files/grafana/*.json) from panels.ts.
 * `node --import tsx test/chart/dashboards/build-dashboards.ts` rewrites them, `--check` exits 1 when one is stale.
 * Every panel reads the `${DS_PROMETHEUS}` datasource variable, so one file works with any Prometheus datasource
 * (Grafana's sidecar provisioning and manual import alike).
 */

export const GRAFANA_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../charts/medallion/files/grafana',
);
const DS = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
const HEIGHT: Record<PanelDef['type'], number> = { timeseries: 8, stat: 5, table: 7, bargauge: 7 };

function panelJson(p: PanelDef, id: number, x: number, y: number) {
  return {
    id,
    type: p.type,
    title: p.title,
    description: p.description,
    datasource: DS,
    gridPos: { h: HEIGHT[p.type], w: p.w, x, y },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options:
      p.type === 'table'
        ? { showHeader: true }
        : p.type === 'timeseries'
          ? {
              legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
              tooltip: { mode: 'multi' },
            }
          : { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
    targets: p.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      expr: t.expr,
      legendFormat: t.legend,
      ...(p.type === 'table' ? { format: 'table', instant: true } : {}),
    })),
  };
}

export function dashboardJson(d: DashboardDef) {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of d.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      if (x + p.w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(panelJson(p, id++, x, y));
      x += p.w;
      rowHeight = Math.max(rowHeight, HEIGHT[p.type]);
    }
    y += rowHeight;
  }
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['medallion'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    timezone: '',
    templating: {
      list: [
        {
          name: 'DS_PROMETHEUS',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
        },
        ...d.variables.map((v) => ({
          name: v.name,
          label: v.label,
          type: 'query',
          datasource: DS,
          query: {
            query: `label_values(${v.metric}, ${v.labelName})`,
            refId: 'PrometheusVariableQueryEditor',
          },
          definition: `label_values(${v.metric}, ${v.labelName})`,
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { selected: true, text: ['All'], value: ['$__all'] },
          refresh: 2,
          sort: 1,
          hide: 0,
        })),
      ],
    },
    annotations: { list: [] },
    links: [],
    panels,
  };
}

export const dashboardText = (d: DashboardDef) => `${JSON.stringify(dashboardJson(d), null, 2)}\n`;

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let stale = 0;
  for (const d of DASHBOARDS) {
    const file = join(GRAFANA_DIR, d.file);
    const text = dashboardText(d);
    if (process.argv.includes('--check')) {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {
        /* missing counts as stale */
      }
      if (current !== text) {
        console.error(`${file} is stale: run node --import tsx test/chart/dashboards/build-dashboards.ts`);
        stale++;
      }
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${file}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
