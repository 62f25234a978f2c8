/**
 * What the fake kubelet and the fake Job executor share: poll a list every 100 ms and hand each object not seen
 * before (by uid) to `handle`, one at a time, until stopped. A handler's error is collected, not thrown, so one bad
 * object does not stop the loop; tests assert `errors` is empty.
 */
export function pollNewObjects<T extends { metadata: { uid: string } }>(o: {
  list: () => Promise<T[]>;
  /** Objects to leave for a later poll (not marked as seen). */
  skip?: (item: T) => boolean;
  handle: (item: T) => Promise<void>;
}) {
  const seen = new Set<string>();
  const errors: unknown[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const item of await o.list()) {
        if (seen.has(item.metadata.uid) || o.skip?.(item)) continue;
        seen.add(item.metadata.uid);
        await o.handle(item).catch((e: unknown) => errors.push(e));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    errors,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
