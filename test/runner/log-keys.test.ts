import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../runner/logger.js';
import { createProgressReporter } from '../../runner/run/progress.js';
import { runPipeline } from '../../runner/run/run-pipeline.js';
import { createSearchStepRunner } from '../../runner/search/search-step.js';
import { loadSpec } from '../../runner/spec/load-spec.js';
import { createWarehouseStepRunner } from '../../runner/warehouse/warehouse-step-runner.js';
import { duplicateKeys } from '../helpers/json-keys.js';
import { createFixture } from '../helpers/pipeline-fixture.js';

/**
 * The JSON log lines of a real run, read raw: a key bound twice (a child logger re-binding `step` or `runId`)
 * shows up as a repeated key in the text, which JSON.parse would hide.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const f = createFixture();
afterAll(() => f.cleanup());

describe('duplicateKeys', () => {
  it('finds repeated keys at any depth and ignores look-alikes inside strings', () => {
    expect(duplicateKeys('{"a":1,"b":{"c":[{"d":1,"d":2}]},"a":"x"}')).toEqual(['$.b.c[0].d', '$.a']);
    expect(duplicateKeys('{"a":"\\"a\\":1,","b":{},"c":[],"d":null}')).toEqual([]);
  });
});

describe('log lines of a run', () => {
  it('carry runId and step once each', async () => {
    f.write('2010-12-01.csv', fs.readFileSync(path.join(repo, 'examples/online-retail/data/2010-12-01.csv')));
    const lines: string[] = [];
    let pending = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        const parts = (pending + chunk.toString('utf8')).split('\n');
        pending = parts.pop() ?? '';
        lines.push(...parts.filter(Boolean));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination });
    const providers = await f.providers();
    // Nothing listens on port 1: the warehouse step fails fast and logs its failure through the step's logger.
    const env = { DATABASE_URL: 'postgresql://medallion:secret@127.0.0.1:1/medallion' };
    const summary = await runPipeline({
      loaded: await loadSpec(f.specFile),
      logger,
      fxUrl: providers.fxUrl,
      countriesUrl: providers.countriesUrl,
      progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      steps: ['bronze', 'silver', 'gold', 'warehouse'],
      extraSteps: {
        warehouse: createWarehouseStepRunner({ env }),
        search: createSearchStepRunner({ env }),
      },
    });
    expect(summary.steps.gold?.status).toBe('Succeeded');
    expect(summary.steps.warehouse?.status).toBe('Failed');
    const repeated = lines.flatMap((l) => duplicateKeys(l).map((k) => `${k} in ${l.slice(0, 300)}`));
    expect(repeated).toEqual([]);
    // The bindings are still there, once: the step's own lines name the run and the step.
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const published = parsed.find((l) => l.msg === 'bronze published');
    expect(published).toMatchObject({ runId: summary.runId, step: 'bronze', pipeline: 'fixture' });
    const failed = parsed.find((l) => String(l.msg).startsWith('warehouse step failed'));
    expect(failed).toMatchObject({ runId: summary.runId, step: 'warehouse' });
  });
});
