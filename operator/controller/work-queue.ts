/**
 * A keyed work queue in client-go's style: a key is processed by at most one worker at a time (changes arriving
 * meanwhile mark it dirty and it runs once more afterwards), at most `concurrency` keys run at once, failures requeue
 * with per-key exponential backoff, and `addAfter` schedules a later reconcile (e.g. the next schedule time).
 */

interface WorkQueueOptions {
  concurrency: number;
  handler: (key: string) => Promise<{ requeueAfterMs?: number } | void>;
  onError?: (key: string, e: unknown, retries: number) => void;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Keys are accepted at once but processed only after this settles (the informer caches have synced), so that no
   * reconcile acts on a half-filled cache — e.g. sets a running run back to Pending because its Pipeline is not
   * cached yet, or misses the Jobs it already created.
   */
  startAfter?: Promise<unknown>;
}

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  /** Keys waiting to run (not counting those running now). */
  depth(): number;
  /** Resolves when nothing is queued or running (for tests and graceful shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createWorkQueue(opts: WorkQueueOptions): WorkQueue {
  const queue: string[] = [];
  const queued = new Set<string>();
  const running = new Set<string>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  let open = opts.startAfter === undefined;
  let idleWaiters: (() => void)[] = [];

  const checkIdle = () => {
    if (queue.length === 0 && running.size === 0) {
      for (const w of idleWaiters) w();
      idleWaiters = [];
    }
  };

  const add = (key: string) => {
    if (stopped) return;
    if (running.has(key)) {
      dirty.add(key);
      return;
    }
    if (!queued.has(key)) {
      queued.add(key);
      queue.push(key);
    }
    pump();
  };

  const addAfter = (key: string, ms: number) => {
    if (stopped) return;
    const existing = timers.get(key);
    if (existing) clearTimeout(existing);
    // setTimeout fires after 1 ms for delays over 2^31-1 ms (24.8 days, e.g. a yearly schedule), which made such a
    // key spin; capped, the key is merely reconciled early and requeues itself for the rest of the wait.
    const t = setTimeout(
      () => {
        timers.delete(key);
        add(key);
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    t.unref();
    timers.set(key, t);
  };

  function pump() {
    while (open && !stopped && running.size < opts.concurrency) {
      const i = queue.findIndex((k) => !running.has(k));
      if (i < 0) break;
      const [key] = queue.splice(i, 1) as [string];
      queued.delete(key);
      running.add(key);
      void process(key);
    }
    checkIdle();
  }

  async function process(key: string) {
    try {
      const result = await opts.handler(key);
      failures.delete(key);
      if (result?.requeueAfterMs !== undefined) addAfter(key, Math.max(0, result.requeueAfterMs));
    } catch (e) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      opts.onError?.(key, e, n);
      const delay = Math.min((opts.baseDelayMs ?? 200) * 2 ** (n - 1), opts.maxDelayMs ?? 300_000);
      addAfter(key, delay);
    } finally {
      running.delete(key);
      if (dirty.delete(key)) add(key);
      pump();
    }
  }

  void opts.startAfter
    ?.catch(() => undefined)
    .then(() => {
      open = true;
      pump();
    });

  return {
    add,
    addAfter,
    depth: () => queue.length,
    idle: () => new Promise<void>((r) => (idleWaiters.push(r), checkIdle())),
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      queue.length = 0;
      queued.clear();
      while (running.size > 0) await new Promise((r) => setTimeout(r, 10));
      checkIdle();
    },
  };
}
