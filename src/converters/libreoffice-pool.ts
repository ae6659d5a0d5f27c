// The warm LibreOffice pool: N listeners handed out one job at a time, recycled after N uses, restarted when one dies.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'winston';
import { startListener, type BridgeReply, type BridgeRequest, type Listener } from './libreoffice-listener.js';

export interface PoolSpec {
  soffice: string;
  python: string;
  size: number;
  recycleAfter: number;
  /** Parent of the pool's private directory (profiles, sockets). */
  tmpDir?: string;
  log: Logger;
  onRestart: () => void;
}

export interface LibreofficePool {
  /** The pool's private directory; every listener's command line names it. */
  readonly root: string;
  /** Runs one conversion on an idle listener; an abort kills that listener (it is replaced) and rejects. */
  convert(request: BridgeRequest, signal: AbortSignal): Promise<BridgeReply>;
  stop(): Promise<void>;
}

interface Slot {
  index: number;
  listener?: Listener;
  uses: number;
  busy: boolean;
  /** Set while this slot is deliberately being replaced, so its exit is not counted as a crash. */
  replacing: boolean;
}

export async function createLibreofficePool(spec: PoolSpec): Promise<LibreofficePool> {
  const root = await mkdtemp(join(spec.tmpDir ?? tmpdir(), 'omnic-libreoffice-'));
  const slots: Slot[] = Array.from({ length: spec.size }, (_, index) => ({ index, uses: 0, busy: false, replacing: false }));
  const waiters: { take: (slot: Slot) => void; fail: (err: Error) => void }[] = [];
  const starting = new Set<Promise<void>>();
  let stopping = false;

  const release = (slot: Slot) => {
    slot.busy = false;
    const waiter = waiters.shift();
    if (waiter && slot.listener) {
      slot.busy = true;
      waiter.take(slot);
    }
  };

  const launch = async (slot: Slot, fresh: boolean) => {
    const started = startListener({ soffice: spec.soffice, python: spec.python, dir: join(root, `slot-${slot.index}`), fresh });
    const settled = started.then(() => undefined, () => undefined);
    starting.add(settled);
    const listener = await started.finally(() => starting.delete(settled));
    if (stopping) return void (await listener.kill());
    slot.listener = listener;
    slot.uses = 0;
    void listener.died.then(() => onDeath(slot, listener));
  };

  // Restarting is retried with back-off: a listener that cannot start must not take the process down.
  const replace = async (slot: Slot, fresh: boolean) => {
    slot.replacing = true;
    const old = slot.listener;
    slot.listener = undefined;
    await old?.kill();
    for (let attempt = 0; !stopping; attempt++) {
      try {
        await launch(slot, fresh || attempt > 0);
        break;
      } catch (err) {
        spec.log.error('libreoffice listener failed to start', { slot: slot.index, error: (err as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
      }
    }
    slot.replacing = false;
    if (!stopping) release(slot);
  };

  const onDeath = (slot: Slot, listener: Listener) => {
    if (stopping || slot.replacing || slot.listener !== listener) return;
    // A busy slot is replaced by the job that held it, once its request fails.
    if (slot.busy) return;
    spec.log.warn('libreoffice listener died while idle; restarting it', { slot: slot.index, stderr: listener.stderr().slice(-500) });
    spec.onRestart();
    slot.busy = true;
    void replace(slot, true);
  };

  const acquire = (signal: AbortSignal) =>
    new Promise<Slot>((resolve, reject) => {
      const idle = slots.find((s) => !s.busy && s.listener);
      if (idle) {
        idle.busy = true;
        return resolve(idle);
      }
      const waiter = { take: (slot: Slot) => (signal.removeEventListener('abort', onAbort), resolve(slot)), fail: reject };
      const onAbort = () => {
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.push(waiter);
    });

  try {
    await Promise.all(slots.map((slot) => launch(slot, true)));
  } catch (err) {
    await Promise.all(slots.map((slot) => slot.listener?.kill()));
    await rm(root, { recursive: true, force: true });
    throw err;
  }

  return {
    root,
    async convert(request, signal) {
      if (stopping) throw new Error('The LibreOffice pool is stopping.');
      const slot = await acquire(signal);
      const listener = slot.listener!;
      let reply: BridgeReply;
      try {
        reply = await runOn(listener, request, signal);
        if (reply.error === 'listener_died') throw new ListenerDiedError(reply.detail ?? '');
      } catch (err) {
        // Aborted (deadline) or died mid-job: this job fails, the listener is replaced, the pool carries on.
        spec.log.warn('libreoffice listener lost a job; restarting it', { slot: slot.index, aborted: signal.aborted, error: (err as Error).message });
        spec.onRestart();
        void replace(slot, true);
        throw signal.aborted ? err : new ListenerDiedError((err as Error).message);
      }
      slot.uses++;
      if (slot.uses >= spec.recycleAfter) void replace(slot, false);
      else release(slot);
      return reply;
    },
    async stop() {
      stopping = true;
      for (const waiter of waiters.splice(0)) waiter.fail(new Error('The LibreOffice pool stopped.'));
      await Promise.all([...starting]);
      await Promise.all(slots.map((slot) => slot.listener?.kill()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** soffice crashed or vanished during a job (a crasher document, the OOM killer, a kill -9). */
export class ListenerDiedError extends Error {
  constructor(detail: string) {
    super(`LibreOffice listener died during the conversion: ${detail}`);
    this.name = 'ListenerDiedError';
  }
}

function runOn(listener: Listener, request: BridgeRequest, signal: AbortSignal): Promise<BridgeReply> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    listener.convert(request).then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
