import type { Logger } from 'pino';
import { FIELD_MANAGER } from '../core/names.js';
import type { KubeClient } from '../kube/kube-client.js';
import { decideLease, type LeaseSpec } from './lease-decision.js';

/**
 * Runs `decideLease` every retry period against the real Lease. Writes carry the resourceVersion, so two candidates
 * racing for an expired lease cannot both win (one gets 409). A leader that cannot renew within renewDeadline steps
 * down, which is the moment another replica may take over: it must stop reconciling first.
 */

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  /** client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry period. */
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export interface LeaderElector {
  isLeader(): boolean;
  /** Stops campaigning; a leader releases the lease so a peer takes over at once (unless `release` is false). */
  stop(release?: boolean): Promise<void>;
}

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElector {
  const leaseDuration = opts.leaseDurationSeconds ?? 15;
  const renewDeadline = opts.renewDeadlineMs ?? 10_000;
  const retryPeriod = opts.retryPeriodMs ?? 2_000;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${opts.namespace}/leases`;
  let leader = false;
  let lastRenew = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function tryAcquireOrRenew(): Promise<boolean> {
    const got = await opts.client.call<{ metadata: { resourceVersion: string }; spec?: LeaseSpec }>(
      'GET',
      `${path}/${opts.name}`,
    );
    if (got.status !== 200 && got.status !== 404) return false;
    const current = got.status === 200 ? (got.body.spec ?? {}) : undefined;
    const d = decideLease(current, opts.identity, leaseDuration, new Date());
    if (d.write === 'none') return false;
    const metadata = {
      name: opts.name,
      namespace: opts.namespace,
      ...(current ? { resourceVersion: got.body.metadata.resourceVersion } : {}),
    };
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: d.spec };
    const res =
      d.write === 'create'
        ? await opts.client.call('POST', `${path}?fieldManager=${FIELD_MANAGER}`, body)
        : await opts.client.call('PUT', `${path}/${opts.name}?fieldManager=${FIELD_MANAGER}`, body);
    return res.status < 300 && d.leader;
  }

  async function tick() {
    let ok = false;
    try {
      ok = await tryAcquireOrRenew();
    } catch (e) {
      opts.logger.warn({ err: e }, 'lease request failed');
    }
    if (stopped) return;
    const now = Date.now();
    if (ok) {
      lastRenew = now;
      if (!leader) {
        leader = true;
        opts.logger.info({ identity: opts.identity }, 'became leader');
        opts.onStartedLeading();
      }
    } else if (leader && now - lastRenew > renewDeadline) {
      leader = false;
      opts.logger.warn({ identity: opts.identity }, 'lost leadership');
      opts.onStoppedLeading();
    }
    timer = setTimeout(() => void tick(), retryPeriod);
  }
  void tick();

  return {
    isLeader: () => leader,
    async stop(release = true) {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (!leader || !release) return;
      leader = false;
      const got = await opts.client.call<{ metadata: object; spec: LeaseSpec }>(
        'GET',
        `${path}/${opts.name}`,
      );
      if (got.status === 200 && got.body.spec.holderIdentity === opts.identity) {
        const spec = { ...got.body.spec, holderIdentity: '', leaseDurationSeconds: 1 };
        await opts.client.call('PUT', `${path}/${opts.name}?fieldManager=${FIELD_MANAGER}`, {
          ...got.body,
          spec,
        });
      }
    },
  };
}
