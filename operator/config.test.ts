import { describe, expect, it } from 'vitest';
import { UsageError } from '../runner/errors.js';
import { parseOperatorConfig } from './config.js';

describe('parseOperatorConfig', () => {
  it('takes flags over environment variables, with defaults', () => {
    const c = parseOperatorConfig(['--namespace', 'shop', '--port', '9000'], {
      KUBECONFIG: '/k',
      MEDALLION_STEP_IMAGE: 'img:1',
      MEDALLION_WATCH_NAMESPACE: 'ignored',
      POD_NAME: 'medallion-operator-0',
    });
    expect(c).toMatchObject({
      kubeconfig: '/k',
      namespace: 'shop',
      stepImage: 'img:1',
      port: 9000,
      concurrency: 4,
      leaseNamespace: 'default',
      identity: 'medallion-operator-0',
      inCluster: false,
    });
  });

  it('reads the step Jobs’ S3 defaults (empty means unset) and names a bad endpoint’s variable', () => {
    const c = parseOperatorConfig([], {
      MEDALLION_STEP_S3_ENDPOINT: 'http://seaweedfs:8333',
      MEDALLION_STEP_S3_REGION: '',
      MEDALLION_STEP_S3_CREDENTIALS_SECRET: 'lake-creds',
    });
    expect(c.stepS3).toEqual({ endpoint: 'http://seaweedfs:8333', credentialsSecret: 'lake-creds' });
    expect(parseOperatorConfig([], {}).stepS3).toEqual({});
    expect(() => parseOperatorConfig([], { MEDALLION_STEP_S3_ENDPOINT: 'seaweedfs:8333' })).toThrow(
      /MEDALLION_STEP_S3_ENDPOINT: must be an http/,
    );
  });

  it('reads the cluster-wide run cap from the flag or MEDALLION_MAX_CONCURRENT_RUNS; unset is unlimited', () => {
    expect(parseOperatorConfig([], {}).maxConcurrentRuns).toBeUndefined();
    expect(parseOperatorConfig([], { MEDALLION_MAX_CONCURRENT_RUNS: '3' }).maxConcurrentRuns).toBe(3);
    expect(
      parseOperatorConfig(['--max-concurrent-runs', '5'], { MEDALLION_MAX_CONCURRENT_RUNS: '3' })
        .maxConcurrentRuns,
    ).toBe(5);
    expect(() => parseOperatorConfig([], { MEDALLION_MAX_CONCURRENT_RUNS: '0' })).toThrow(
      /--max-concurrent-runs \(or MEDALLION_MAX_CONCURRENT_RUNS\): /,
    );
  });

  it('knows it runs in a pod from KUBERNETES_SERVICE_HOST', () => {
    expect(parseOperatorConfig([], { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toMatchObject({
      inCluster: true,
    });
  });

  it('rejects bad values and unknown flags', () => {
    expect(() => parseOperatorConfig(['--port', '70000'], {})).toThrow(
      /--port \(or MEDALLION_OPERATOR_PORT\): /,
    );
    expect(() => parseOperatorConfig(['--concurrency', '0'], {})).toThrow(/--concurrency: /);
    expect(() => parseOperatorConfig(['--bogus'], {})).toThrow();
  });

  it('validates the log level and options, naming the flag or variable (a usage error, exit 2)', () => {
    const problem = (argv: string[], env: NodeJS.ProcessEnv): UsageError => {
      try {
        parseOperatorConfig(argv, env);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return e as UsageError;
      }
      throw new Error('expected a configuration error');
    };
    expect(problem([], { MEDALLION_LOG_LEVEL: 'verbose' })).toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/^invalid operator configuration: MEDALLION_LOG_LEVEL: .*info/),
    });
    expect(problem([], { MEDALLION_OPERATOR_PORT: '80a' }).message).toMatch(
      /--port \(or MEDALLION_OPERATOR_PORT\): must be a whole number/,
    );
    expect(problem(['--concurrency', '2.5'], {}).message).toMatch(/--concurrency: must be a whole number/);
    expect(problem(['--step-image', ' '], {}).message).toMatch(/--step-image .*: must not be empty/);
    expect(problem(['--port', '1', 'extra'], {}).code).toBe('USAGE');
    // Several problems are reported at once.
    expect(problem(['--port=-1'], { MEDALLION_LOG_LEVEL: 'loud' }).message).toMatch(
      /--port.*; MEDALLION_LOG_LEVEL/,
    );
  });

  it('accepts every pino level and reads an empty variable as unset', () => {
    expect(parseOperatorConfig([], { MEDALLION_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(parseOperatorConfig([], {}).logLevel).toBe('info');
    const c = parseOperatorConfig([], { MEDALLION_WATCH_NAMESPACE: '', MEDALLION_STEP_IMAGE: '' });
    expect(c.namespace).toBeUndefined();
    expect(c.stepImage).toBe('medallion:latest');
    expect(Object.isFrozen(c)).toBe(true);
  });
});
