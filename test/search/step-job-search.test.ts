import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject } from '../../operator/core/resources.js';
import { buildStepJob } from '../../operator/run/step-job.js';
import { PipelineSpecSchema } from '../../runner/spec/pipeline-spec.js';

/** The operator's search Job gets the Typesense API key from the Secret the spec names, and only that Job. */
const run = {
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name: 'r', namespace: 'n', uid: 'u' },
  spec: { pipelineRef: { name: 'p' }, timeouts: { stepSeconds: 60 }, parameters: {} },
} as unknown as PipelineRunObject;

const pipeline = (search: unknown): PipelineObject =>
  ({
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'p', namespace: 'n' },
    spec: {
      ...PipelineSpecSchema.parse({ source: { uri: '/data' }, search }),
      job: { env: [], envFrom: [], imagePullPolicy: 'IfNotPresent' },
    },
  }) as unknown as PipelineObject;

const env = (p: PipelineObject, step: string) =>
  (
    buildStepJob(run, p, step, 1, 'medallion:test').spec as {
      template: { spec: { containers: { env: unknown[] }[] } };
    }
  ).template.spec.containers[0]!.env;

describe('the search step Job', () => {
  it('maps search.typesense.secretRef to the API key env var', () => {
    const p = pipeline({
      typesense: { url: 'http://typesense:8108', secretRef: { name: 'typesense', key: 'admin-key' } },
    });
    expect(env(p, 'search')).toContainEqual({
      name: 'TYPESENSE_API_KEY',
      valueFrom: { secretKeyRef: { name: 'typesense', key: 'admin-key' } },
    });
    expect(JSON.stringify(env(p, 'warehouse'))).not.toContain('typesense');
    expect(JSON.stringify(env(pipeline({}), 'search'))).not.toContain('secretKeyRef');
  });
});
