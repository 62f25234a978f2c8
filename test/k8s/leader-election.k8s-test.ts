import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { startLeaderElection, type LeaderElector } from '../../operator/controller/leader-election.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';

const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function candidate(name: string, identity: string, log: string[]): LeaderElector {
  return startLeaderElection({
    client,
    logger,
    namespace: 'default',
    name,
    identity,
    // Short periods keep the test fast; the ratios match client-go's 15 s / 10 s / 2 s.
    leaseDurationSeconds: 3,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 400,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
  });
}

async function until(what: string, check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

describe('leader election on a real Lease', () => {
  it('elects one leader, and a peer takes over when the leader releases the lease', async () => {
    const log: string[] = [];
    const a = candidate('medallion-test-release', 'a', log);
    await until('a leads', () => a.isLeader(), 5_000);
    const b = candidate('medallion-test-release', 'b', log);
    await sleep(1_500);
    expect(b.isLeader()).toBe(false);
    const released = Date.now();
    await a.stop();
    await until('b leads', () => b.isLeader(), 5_000);
    expect(Date.now() - released).toBeLessThan(2_500);
    expect(log).toEqual(['a leads', 'b leads']);
    await b.stop();
  });

  it('a peer takes over within the lease duration when the leader dies without releasing', async () => {
    const log: string[] = [];
    const a = candidate('medallion-test-crash', 'a', log);
    await until('a leads', () => a.isLeader(), 5_000);
    const b = candidate('medallion-test-crash', 'b', log);
    await sleep(500);
    const died = Date.now();
    await a.stop(false); // a crash: renewals stop, the lease is not released
    await until('b leads', () => b.isLeader(), 8_000);
    // Lease duration (3 s) plus at most one retry period.
    expect(Date.now() - died).toBeLessThan(3_000 + 1_000);
    expect(log).toEqual(['a leads', 'b leads']);
    await b.stop();
  });
});
