import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './token-bucket.js';

/** A fake clock whose sleep advances time instantly, so waits are measured, not spent. */
function fakeClock() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

describe('createTokenBucket', () => {
  it('lets a burst of `capacity` through without waiting, then paces at the refill rate', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ capacity: 2, refillPerSecond: 4, ...clock });
    expect(await bucket.acquire()).toBe(0);
    expect(await bucket.acquire()).toBe(0);
    expect(await bucket.acquire()).toBe(250);
    expect(await bucket.acquire()).toBe(250);
    expect(clock.sleeps).toEqual([250, 250]);
  });

  it('refills over idle time but never above capacity', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ capacity: 2, refillPerSecond: 1, ...clock });
    await bucket.acquire();
    await bucket.acquire();
    clock.advance(60_000);
    expect(await bucket.acquire()).toBe(0);
    expect(await bucket.acquire()).toBe(0);
    expect(await bucket.acquire()).toBe(1000);
  });

  it('serialises concurrent callers so no token is spent twice', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ capacity: 1, refillPerSecond: 10, ...clock });
    const waits = await Promise.all([bucket.acquire(), bucket.acquire(), bucket.acquire()]);
    expect(waits).toEqual([0, 100, 100]);
  });

  it('rejects nonsensical settings', () => {
    const clock = fakeClock();
    expect(() => createTokenBucket({ capacity: 0, refillPerSecond: 1, ...clock })).toThrow(RangeError);
    expect(() => createTokenBucket({ capacity: 1, refillPerSecond: 0, ...clock })).toThrow(RangeError);
  });
});
