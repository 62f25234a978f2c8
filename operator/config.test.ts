import { describe, expect, it } from 'vitest';
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

  it('knows it runs in a pod from KUBERNETES_SERVICE_HOST', () => {
    expect(parseOperatorConfig([], { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toMatchObject({
      inCluster: true,
    });
  });

  it('rejects bad values and unknown flags', () => {
    expect(() => parseOperatorConfig(['--port', '70000'], {})).toThrow(/not a port/);
    expect(() => parseOperatorConfig(['--concurrency', '0'], {})).toThrow(/positive integer/);
    expect(() => parseOperatorConfig(['--bogus'], {})).toThrow();
  });
});
