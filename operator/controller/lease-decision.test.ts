import { describe, expect, it } from 'vitest';
import { decideLease } from './lease-decision.js';

const now = new Date('2026-03-01T00:00:30Z');

describe('decideLease', () => {
  it('creates a missing lease and leads', () => {
    expect(decideLease(undefined, 'a', 15, now)).toEqual({
      write: 'create',
      leader: true,
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: '2026-03-01T00:00:30.000000Z',
        renewTime: '2026-03-01T00:00:30.000000Z',
        leaseTransitions: 0,
      },
    });
  });

  it('renews its own lease without counting a transition', () => {
    const d = decideLease(
      {
        holderIdentity: 'a',
        renewTime: '2026-03-01T00:00:28.000000Z',
        leaseTransitions: 3,
        acquireTime: 'x',
      },
      'a',
      15,
      now,
    );
    expect(d).toMatchObject({
      write: 'update',
      leader: true,
      spec: { leaseTransitions: 3, acquireTime: 'x', renewTime: '2026-03-01T00:00:30.000000Z' },
    });
  });

  it("leaves another holder's live lease alone", () => {
    const live = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: '2026-03-01T00:00:16.000000Z' };
    expect(decideLease(live, 'a', 15, now)).toMatchObject({ write: 'none', leader: false });
  });

  it('takes over an expired or released lease and counts the transition', () => {
    const expired = {
      holderIdentity: 'b',
      leaseDurationSeconds: 15,
      renewTime: '2026-03-01T00:00:15.000000Z',
      leaseTransitions: 1,
    };
    expect(decideLease(expired, 'a', 15, now)).toMatchObject({
      write: 'update',
      leader: true,
      spec: { holderIdentity: 'a', leaseTransitions: 2 },
    });
    const released = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      renewTime: '2026-03-01T00:00:29.000000Z',
    };
    expect(decideLease(released, 'a', 15, now)).toMatchObject({ write: 'update', leader: true });
  });
});
