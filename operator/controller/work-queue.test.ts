import { describe, expect, it } from 'vitest';
import { createWorkQueue } from './work-queue.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('createWorkQueue', () => {
  it("waits for a delay beyond setTimeout's 24.8-day limit instead of running the key at once", async () => {
    const seen: string[] = [];
    const q = createWorkQueue({ concurrency: 1, handler: async (key) => void seen.push(key) });
    q.addAfter('yearly', 40 * 86_400_000);
    q.addAfter('soon', 5);
    await tick(40);
    expect(seen).toEqual(['soon']);
    await q.stop();
  });

  it('holds keys until startAfter settles (caches synced), then processes each once', async () => {
    const seen: string[] = [];
    let open!: () => void;
    const synced = new Promise<void>((r) => (open = r));
    const q = createWorkQueue({
      concurrency: 2,
      startAfter: synced,
      handler: async (key) => void seen.push(key),
    });
    q.add('a');
    q.add('b');
    q.add('a');
    await tick(20);
    expect(seen).toEqual([]);
    expect(q.depth()).toBe(2);
    open();
    await tick();
    await q.idle();
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once, and reruns a key that changed while it ran', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const q = createWorkQueue({
      concurrency: 4,
      handler: async (key) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        log.push(`start ${key}`);
        await tick(20);
        log.push(`end ${key}`);
        inFlight--;
      },
    });
    q.add('a');
    await tick();
    q.add('a'); // arrives while a runs: marked dirty
    q.add('a'); // collapses into the same rerun
    await q.idle();
    await tick(30);
    await q.idle();
    expect(log).toEqual(['start a', 'end a', 'start a', 'end a']);
    expect(maxInFlight).toBe(1);
    await q.stop();
  });

  it('caps concurrency across keys', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const q = createWorkQueue({
      concurrency: 2,
      handler: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick(10);
        inFlight--;
      },
    });
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    expect(q.depth()).toBe(3);
    await q.idle();
    expect(maxInFlight).toBe(2);
    await q.stop();
  });

  it('retries failures with exponential backoff and honours requeueAfterMs', async () => {
    const times: number[] = [];
    const errors: number[] = [];
    const t0 = Date.now();
    const q = createWorkQueue({
      concurrency: 1,
      baseDelayMs: 20,
      handler: async () => {
        times.push(Date.now() - t0);
        if (times.length < 3) throw new Error('conflict');
        if (times.length === 3) return { requeueAfterMs: 30 };
      },
      onError: (_k, _e, n) => errors.push(n),
    });
    q.add('x');
    await tick(200);
    expect(errors).toEqual([1, 2]);
    expect(times).toHaveLength(4);
    // Waits of ~20 ms, then ~40 ms, then the requested 30 ms.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(18);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(38);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(28);
    await q.stop();
  });
});
