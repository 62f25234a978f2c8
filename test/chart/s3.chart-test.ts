import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseOperatorConfig } from '../../operator/config.js';
import type { PipelineObject, PipelineRunObject } from '../../operator/core/resources.js';
import { buildStepJob } from '../../operator/run/step-job.js';
import { PipelineResourceSpecSchema } from '../../operator/spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../../operator/spec/pipeline-run.js';
import { CHART_DIR, ensureNamespaces, helm, kubectl, one, render, type KubeDoc } from './chart.js';

/**
 * The chart's S3 values end to end on the operator side: the operator Deployment's env goes through the operator's
 * own config parser, the step Job it would then build for an s3:// Pipeline is dry-run on the real apiserver next to
 * the chart's step ServiceAccount (IRSA annotation included).
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests

const NS = 'medallion-s3';
const S3_VALUES = [
  '--set',
  'steps.s3.endpoint=http://seaweedfs.storage:8333',
  '--set',
  'steps.s3.region=eu-central-1',
  '--set',
  'steps.s3.credentialsSecret=lake-credentials',
];
const IRSA_ROLE = 'arn:aws:iam::123456789012:role/medallion-steps';

/** The operator's environment as rendered (literal values only, as the chart sets the S3 ones). */
function operatorEnv(docs: KubeDoc[]): NodeJS.ProcessEnv {
  const c = (one(docs, 'Deployment', '-operator') as Obj).spec.template.spec.containers[0];
  return Object.fromEntries(
    (c.env as Obj[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]),
  );
}

function s3StepJob(docs: KubeDoc[], serviceAccountName: string) {
  const config = parseOperatorConfig([], operatorEnv(docs));
  const run: PipelineRunObject = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'r', namespace: NS, uid: '0e6f7a52-9d0c-4c1e-8b9e-2b5f8c1d0a11' },
    spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'p' } }),
  };
  const pipeline: PipelineObject = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'p', namespace: NS },
    spec: PipelineResourceSpecSchema.parse({
      source: { uri: 's3://retail-raw/online-retail/' },
      lake: { uri: 's3://retail-lake/medallion' },
      job: { serviceAccountName },
    }),
  };
  return buildStepJob(run, pipeline, 'bronze', 1, config.stepImage, config.stepS3);
}

const stepAccount = (docs: KubeDoc[]) =>
  docs.find((d) => d.kind === 'ServiceAccount' && d.metadata.name.endsWith('-step')) as KubeDoc;

describe('S3 values', () => {
  it('reach step Jobs through the operator: endpoint, region and the Secret by reference, no lake volume', () => {
    const docs = render('m', NS, S3_VALUES);
    const job = s3StepJob(docs, stepAccount(docs).metadata.name);
    const pod = (job.spec as Obj).template.spec;
    const env = Object.fromEntries(
      (pod.containers[0].env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]),
    );
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_S3: 'http://seaweedfs.storage:8333',
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'lake-credentials', key: 'AWS_ACCESS_KEY_ID' } },
      AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'lake-credentials', key: 'AWS_SECRET_ACCESS_KEY' } },
    });
    expect(pod.volumes.map((v: Obj) => v.name)).toEqual(['spec', 'tmp']);

    // The Job and the chart's step account as the apiserver takes them (restricted Pod Security included).
    ensureNamespaces([NS]);
    const r = kubectl(
      ['apply', '--dry-run=server', '--validate=strict', '-n', NS, '-f', '-'],
      [stepAccount(docs), job].map((d) => stringify(d)).join('---\n'),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('are absent by default: no S3 variables for the operator, hence none for step Jobs beyond the spec', () => {
    const env = operatorEnv(render('m', NS));
    expect(Object.keys(env).filter((k) => k.startsWith('MEDALLION_STEP_S3_'))).toEqual([]);
    expect(parseOperatorConfig([], env).stepS3).toEqual({});
  });

  it('annotate the step ServiceAccount for IRSA, keeping other annotations; its Jobs get no keys', () => {
    const docs = render('m', NS, [
      '--set',
      `steps.serviceAccount.awsRoleArn=${IRSA_ROLE}`,
      '--set',
      'steps.serviceAccount.annotations.team=retail',
      '--set',
      'steps.s3.region=eu-central-1',
    ]);
    const sa = stepAccount(docs);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': IRSA_ROLE, team: 'retail' });
    const env = (
      (s3StepJob(docs, sa.metadata.name).spec as Obj).template.spec.containers[0].env as Obj[]
    ).map((e) => e.name);
    expect(env.filter((n) => n.startsWith('AWS_'))).toEqual(['AWS_REGION']);
    ensureNamespaces([NS]);
    const r = kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], stringify(sa));
    expect(r.status, r.stderr).toBe(0);
  });

  it('refuse a Secret and an IRSA role together, a bad endpoint or role, by name', () => {
    const fails = (args: string[]) => {
      const r = helm(['template', 'm', CHART_DIR, '--namespace', NS, ...args]);
      expect(r.status, args.join(' ')).not.toBe(0);
      return r.stderr;
    };
    expect(fails([...S3_VALUES, '--set', `steps.serviceAccount.awsRoleArn=${IRSA_ROLE}`])).toMatch(
      /steps.s3.credentialsSecret and steps.serviceAccount.awsRoleArn both set/,
    );
    expect(fails(['--set', 'steps.s3.endpoint=seaweedfs:8333'])).toMatch(/schema[\s\S]*endpoint/);
    expect(fails(['--set', 'steps.serviceAccount.awsRoleArn=medallion-steps'])).toMatch(
      /schema[\s\S]*awsRoleArn/,
    );
  });
});
