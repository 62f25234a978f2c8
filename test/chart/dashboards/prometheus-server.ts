import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * A real Prometheus server (Debian's package, test/chart/setup-prometheus.sh) for the dashboards end-to-end test:
 * 127.0.0.1 only, a temporary storage directory, a 1 s scrape interval, static targets, nothing else configured
 * (no remote write, no alertmanager, no service discovery), so it makes no call beyond its targets.
 */

export interface ScrapeJob {
  job: string;
  target: string;
  honorLabels?: boolean;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusServer {
  url: string;
  /** An instant query; throws on a PromQL error. */
  query(expr: string): Promise<Sample[]>;
  /** Series matching a selector (what Grafana's label_values() reads). */
  series(match: string): Promise<Record<string, string>[]>;
  /** Waits until every target has been scraped successfully at least `scrapes` more times. */
  waitForScrapes(scrapes?: number): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

async function getJson(url: string): Promise<{ status: string; data: unknown; error?: string }> {
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; data: unknown; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? res.status}`);
  return body;
}

export async function startPrometheus(options: {
  binary: string;
  port: number;
  jobs: ScrapeJob[];
  ruleFiles?: string[];
}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'medallion-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    ...(options.ruleFiles ? { rule_files: options.ruleFiles } : {}),
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.job,
      honor_labels: j.honorLabels ?? false,
      static_configs: [{ targets: [j.target] }],
    })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const child = spawn(
    options.binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let logs = '';
  child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${logs}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 300) {
      await stop();
      throw new Error(`prometheus not ready after 30 s: ${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const scrapeCounts = async () => {
    const body = await getJson(`${url}/api/v1/targets`);
    return (body.data as { activeTargets: { health: string; lastScrape: string }[] }).activeTargets;
  };

  return {
    url,
    async query(expr) {
      const body = await getJson(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const data = body.data as { resultType: string; result: Sample[] };
      if (data.resultType !== 'vector') throw new Error(`${expr}: ${data.resultType}, not a vector`);
      return data.result;
    },
    async series(match) {
      const body = await getJson(`${url}/api/v1/series?match[]=${encodeURIComponent(match)}`);
      return body.data as Record<string, string>[];
    },
    async waitForScrapes(scrapes = 2) {
      const start = Date.now();
      for (let i = 0; ; i++) {
        const targets = await scrapeCounts();
        const fresh = targets.filter(
          (t) => t.health === 'up' && Date.parse(t.lastScrape) > start + (scrapes - 1) * 1000,
        );
        if (targets.length === options.jobs.length && fresh.length === targets.length) return;
        if (i > 200) throw new Error(`targets not scraped: ${JSON.stringify(targets)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    logs: () => logs,
    stop,
  };
}
