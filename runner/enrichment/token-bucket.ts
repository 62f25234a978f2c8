/**
 * Client-side rate limit: a token bucket that refills continuously. Callers wait (through the injected sleep)
 * instead of being refused, because enrichment makes a handful of calls and should pace them, not drop them.
 */

interface TokenBucketOptions {
  capacity: number;
  refillPerSecond: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

interface TokenBucket {
  /** Resolves when a token has been taken; returns how long the caller waited in milliseconds. */
  acquire(): Promise<number>;
}

export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const { capacity, refillPerSecond, now, sleep } = options;
  if (!(capacity >= 1) || !(refillPerSecond > 0)) {
    throw new RangeError('token bucket needs capacity >= 1 and refillPerSecond > 0');
  }
  let tokens = capacity;
  let last = now();
  // Calls are chained so two concurrent callers cannot both spend the same token.
  let queue: Promise<unknown> = Promise.resolve();

  const refill = (): void => {
    const t = now();
    tokens = Math.min(capacity, tokens + ((t - last) / 1000) * refillPerSecond);
    last = t;
  };

  const take = async (): Promise<number> => {
    let waited = 0;
    refill();
    while (tokens < 1) {
      const ms = Math.ceil(((1 - tokens) / refillPerSecond) * 1000);
      await sleep(ms);
      waited += ms;
      refill();
    }
    tokens -= 1;
    return waited;
  };

  return {
    acquire() {
      const result = queue.then(take);
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
