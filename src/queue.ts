// Concurrency gate with a bounded wait list (429 when full) and single flight for identical work.
import PQueue from 'p-queue';
import { QueueFullError } from './errors.js';

export interface QueueHooks {
  onChange?: (state: { running: number; waiting: number }) => void;
  onWait?: (seconds: number) => void;
}

export type Queue = ReturnType<typeof createQueue>;

export function createQueue(options: { concurrency: number; queueSize: number }, hooks: QueueHooks = {}) {
  const queue = new PQueue({ concurrency: options.concurrency });
  // An exponentially weighted average of job duration, to tell a 429'd client when to come back.
  let averageSeconds = 1;
  const report = () => hooks.onChange?.({ running: queue.pending, waiting: queue.size });
  // p-queue lowers `pending` in a microtask after a job settles; 'next' fires once it has, so the last report reads 0 running.
  queue.on('next', report);
  return {
    /** Runs `fn` when a slot is free; `onStart` fires when it leaves the wait list. Throws QueueFullError when full. */
    async run<T>(fn: () => Promise<T>, onStart?: () => void): Promise<T> {
      if (queue.pending >= options.concurrency && queue.size >= options.queueSize) {
        throw new QueueFullError(this.retryAfterSeconds());
      }
      const queuedAt = performance.now();
      const result = queue.add(
        async () => {
          hooks.onWait?.((performance.now() - queuedAt) / 1000);
          onStart?.();
          report();
          const started = performance.now();
          try {
            return await fn();
          } finally {
            averageSeconds = 0.8 * averageSeconds + 0.2 * ((performance.now() - started) / 1000);
            queueMicrotask(report);
          }
        },
      ) as Promise<T>;
      report();
      return result;
    },
    retryAfterSeconds(): number {
      return Math.max(1, Math.ceil((averageSeconds * (queue.size + 1)) / options.concurrency));
    },
    state(): { running: number; waiting: number } {
      return { running: queue.pending, waiting: queue.size };
    },
    /** Resolves when nothing runs or waits. */
    onIdle(): Promise<void> {
      return queue.onIdle();
    },
  };
}

export type SingleFlight = ReturnType<typeof createSingleFlight>;

/** Identical concurrent work (same key) runs once; later callers share the first caller's promise. */
export function createSingleFlight(onJoin?: () => void) {
  const inFlight = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const existing = inFlight.get(key);
      if (existing) {
        onJoin?.();
        return existing as Promise<T>;
      }
      const promise = fn().finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },
    has(key: string): boolean {
      return inFlight.has(key);
    },
    get size(): number {
      return inFlight.size;
    },
  };
}
