// createQueue and createSingleFlight: the concurrency gate, the bounded wait list (429), shared promises and their failures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueFullError } from '../../src/errors.js';
import { createQueue, createSingleFlight } from '../../src/queue.js';

/** A promise with its resolve/reject exposed. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('queue', () => {
  it('never runs more than `concurrency` jobs at once, and runs them all', async () => {
    const queue = createQueue({ concurrency: 3, queueSize: 100 });
    let running = 0;
    let max = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        queue.run(async () => {
          running++;
          max = Math.max(max, running);
          await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
          running--;
          return i;
        }),
      ),
    );
    assert.equal(max, 3);
    assert.deepEqual(results, Array.from({ length: 12 }, (_, i) => i));
  });

  it('reports running and waiting counts, and onStart fires when a job leaves the wait list', async () => {
    const states: { running: number; waiting: number }[] = [];
    const queue = createQueue({ concurrency: 1, queueSize: 5 }, { onChange: (s) => states.push(s) });
    const gate = deferred();
    const started: string[] = [];
    const first = queue.run(() => gate.promise, () => started.push('first'));
    const second = queue.run(async () => 'second', () => started.push('second'));
    await tick();
    assert.deepEqual(queue.state(), { running: 1, waiting: 1 });
    assert.deepEqual(started, ['first']);
    gate.resolve();
    await first;
    assert.equal(await second, 'second');
    assert.deepEqual(started, ['first', 'second']);
    await queue.onIdle();
    await tick();
    assert.deepEqual(queue.state(), { running: 0, waiting: 0 });
    assert.ok(states.some((s) => s.waiting === 1), 'onChange never reported a waiting job');
    assert.deepEqual(states.at(-1), { running: 0, waiting: 0 });
  });

  it('a full wait list throws QueueFullError (429) with Retry-After, and frees up once work drains', async () => {
    const waits: number[] = [];
    const queue = createQueue({ concurrency: 1, queueSize: 2 }, { onWait: (s) => waits.push(s) });
    const gate = deferred();
    const jobs = [queue.run(() => gate.promise), queue.run(async () => 1), queue.run(async () => 2)];
    await tick();
    assert.deepEqual(queue.state(), { running: 1, waiting: 2 });
    await assert.rejects(queue.run(async () => 3), (err: unknown) => {
      assert.ok(err instanceof QueueFullError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'queue_full');
      assert.match(err.headers['Retry-After'] ?? '', /^[1-9]\d*$/);
      return true;
    });
    gate.resolve();
    await Promise.all(jobs);
    assert.equal(await queue.run(async () => 'after'), 'after');
    assert.equal(waits.length, 4);
    assert.ok(waits.every((s) => s >= 0));
  });

  it('queueSize 0 means no waiting at all: only running slots', async () => {
    const queue = createQueue({ concurrency: 1, queueSize: 0 });
    const gate = deferred();
    const running = queue.run(() => gate.promise);
    await tick();
    await assert.rejects(queue.run(async () => 1), QueueFullError);
    gate.resolve();
    await running;
  });

  it('a failing job rejects its caller and frees its slot', async () => {
    const queue = createQueue({ concurrency: 1, queueSize: 1 });
    await assert.rejects(queue.run(async () => Promise.reject(new Error('tool crashed'))), /tool crashed/);
    assert.equal(await queue.run(async () => 'next'), 'next');
  });

  it('retryAfterSeconds grows with the wait list', async () => {
    const queue = createQueue({ concurrency: 1, queueSize: 50 });
    const idle = queue.retryAfterSeconds();
    assert.ok(idle >= 1);
    const gate = deferred();
    const jobs = Array.from({ length: 20 }, () => queue.run(() => gate.promise));
    await tick();
    assert.ok(queue.retryAfterSeconds() > idle, `${queue.retryAfterSeconds()} should exceed ${idle}`);
    gate.resolve();
    await Promise.all(jobs);
  });
});

describe('single flight', () => {
  it('identical concurrent work runs once; every caller gets the same result and joins are counted', async () => {
    let joins = 0;
    const flights = createSingleFlight(() => joins++);
    let calls = 0;
    const gate = deferred<string>();
    const work = () => {
      calls++;
      return gate.promise;
    };
    const first = flights.run('key', work);
    const second = flights.run('key', work);
    const third = flights.run('key', work);
    const other = flights.run('other', async () => 'other');
    assert.equal(second, first, 'joiners should share the first promise');
    assert.equal(calls, 1);
    assert.equal(joins, 2);
    assert.ok(flights.has('key'));
    assert.equal(flights.size, 2);
    gate.resolve('converted');
    assert.deepEqual(await Promise.all([first, second, third, other]), ['converted', 'converted', 'converted', 'other']);
    assert.equal(flights.has('key'), false);
    assert.equal(flights.size, 0);
  });

  it('a rejection reaches every joiner, and the key is free afterwards', async () => {
    const flights = createSingleFlight();
    const gate = deferred<string>();
    const first = flights.run('key', () => gate.promise);
    const second = flights.run('key', async () => 'never runs');
    gate.reject(new Error('corrupt source'));
    await assert.rejects(first, /corrupt source/);
    await assert.rejects(second, /corrupt source/);
    assert.equal(flights.has('key'), false);
    assert.equal(await flights.run('key', async () => 'retried'), 'retried');
  });

  it('work started after a flight ends runs again', async () => {
    const flights = createSingleFlight();
    let calls = 0;
    await flights.run('key', async () => ++calls);
    await flights.run('key', async () => ++calls);
    assert.equal(calls, 2);
  });
});
