import type { Logger } from 'pino';
import { isStatus, type Collection, type KubeClient, type KubeObject } from '../kube/kube-client.js';
import { decideLease, type LeaseSpec } from './lease-decision.js';

/**
 * Runs `decideLease` every retry period against the real Lease. Writes carry the resourceVersion, so two candidates
 * racing for an expired lease cannot both win (one gets 409). A leader that cannot renew within renewDeadline steps
 * down, which is the moment another replica may take over: it must stop reconciling first.
 */

type Lease = KubeObject & { spec?: LeaseSpec };

interface LeaderElectionOptions {
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
  const leases: Collection = {
    apiVersion: 'coordination.k8s.io/v1',
    plural: 'leases',
    namespace: opts.namespace,
  };
  let leader = false;
  let lastRenew = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function tryAcquireOrRenew(): Promise<boolean> {
    const got = await opts.client.get<Lease>(leases, opts.name);
    const current = got ? (got.spec ?? {}) : undefined;
    const d = decideLease(current, opts.identity, leaseDuration, new Date());
    if (d.write === 'none') return false;
    const metadata = {
      name: opts.name,
      namespace: opts.namespace,
      ...(got ? { resourceVersion: got.metadata.resourceVersion } : {}),
    };
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: d.spec };
    try {
      if (d.write === 'create') await opts.client.create(leases, body);
      else await opts.client.replace(leases, body);
    } catch (e) {
      // Another candidate wrote first (409 on create or on a stale resourceVersion): not ours this round.
      if (isStatus(e, 409)) return false;
      throw e;
    }
    return d.leader;
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
      const got = await opts.client.get<Lease>(leases, opts.name);
      if (got?.spec?.holderIdentity === opts.identity) {
        const spec = { ...got.spec, holderIdentity: '', leaseDurationSeconds: 1 };
        await opts.client.replace(leases, { ...got, spec });
      }
    },
  };
}
