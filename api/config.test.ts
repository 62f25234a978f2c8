import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './config.js';

describe('API config', () => {
  it('reads the port from PORT, a flag winning, and defaults to local mode', () => {
    expect(loadApiConfig({}, { PORT: '9000' })).toMatchObject({
      port: 9000,
      kube: undefined,
      rateLimitPerMinute: 600,
    });
    expect(loadApiConfig({ port: 0 }, { PORT: '9000' }).port).toBe(0);
  });

  it('turns on cluster mode from a kubeconfig or the in-cluster environment', () => {
    expect(loadApiConfig({}, { KUBECONFIG: '/k' }).kube).toEqual({ kubeconfig: '/k' });
    expect(loadApiConfig({}, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }).kube).toEqual({ inCluster: true });
  });

  it('reads Typesense from TYPESENSE_URL and _API_KEY, both or neither', () => {
    expect(loadApiConfig({}, { TYPESENSE_URL: 'http://ts:8108', TYPESENSE_API_KEY: 'k' }).typesense).toEqual({
      url: 'http://ts:8108',
      apiKey: 'k',
    });
    expect(() => loadApiConfig({}, { TYPESENSE_URL: 'http://ts:8108' })).toThrow(/both/);
  });

  it('refuses a short JWT secret and two verification keys at once', () => {
    expect(() => loadApiConfig({}, { MEDALLION_JWT_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() =>
      loadApiConfig({}, { MEDALLION_JWT_SECRET: 'x'.repeat(32), MEDALLION_JWT_PUBLIC_KEY: 'pem' }),
    ).toThrow(/not both/);
  });
});
