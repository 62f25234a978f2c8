/**
 * Leader election over a coordination.k8s.io/v1 Lease, as a pure decision (client-go's rules): the holder renews;
 * anyone may take a lease whose renewTime + leaseDuration has passed or that was released (empty holder).
 */

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface LeaseDecision {
  /** What to write: create a new Lease, update the existing one, or nothing (someone else holds it). */
  write: 'create' | 'update' | 'none';
  spec: LeaseSpec;
  /** Whether we lead if the write succeeds. */
  leader: boolean;
}

const microTime = (d: Date) => d.toISOString().replace('Z', '000Z'); // MicroTime: 6 fractional digits

export function decideLease(
  current: LeaseSpec | undefined,
  identity: string,
  leaseDurationSeconds: number,
  now: Date,
): LeaseDecision {
  const mine: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds, renewTime: microTime(now) };
  if (!current) {
    return {
      write: 'create',
      spec: { ...mine, acquireTime: microTime(now), leaseTransitions: 0 },
      leader: true,
    };
  }
  if (current.holderIdentity === identity) {
    return { write: 'update', spec: { ...current, ...mine }, leader: true };
  }
  const renewed = Date.parse(current.renewTime ?? '') || 0;
  const expired = renewed + (current.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 <= now.getTime();
  if (!current.holderIdentity || expired) {
    const transitions = (current.leaseTransitions ?? 0) + 1;
    return {
      write: 'update',
      spec: { ...mine, acquireTime: microTime(now), leaseTransitions: transitions },
      leader: true,
    };
  }
  return { write: 'none', spec: current, leader: false };
}
