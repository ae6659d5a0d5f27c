// OMNIC_WORKERS > 1: worker processes share the port and answer cached results; everything else is passed over a
// unix socket to the one process that converts, owns the cache index, the queue and single flight. Plumbing only:
// main.ts composes both sides.
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { Agent, request, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/** Set by the primary on its workers: where the converting process listens. Not a user setting. */
export const PRIMARY_SOCKET_ENV = 'OMNIC_PRIMARY_SOCKET';

type PeerMetrics = Awaited<ReturnType<NonNullable<Metrics['peers']>>>[number];

type ToPrimary = { omnic: 'touch'; keys: string[] } | { omnic: 'metrics'; id: number; data: PeerMetrics };
type ToWorker = { omnic: 'metrics'; id: number } | { omnic: 'stop' };

function isMessage<T extends { omnic: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { omnic?: unknown }).omnic === 'string';
}

export function isWorkerProcess(env: NodeJS.ProcessEnv): boolean {
  return cluster.isWorker && !!env[PRIMARY_SOCKET_ENV];
}

export interface Workers {
  /** The port the workers listen on (OMNIC_PORT, or the one the system chose for 0). */
  port: number;
  /** Each worker's metrics, for the primary's /metrics. */
  peerMetrics(): Promise<PeerMetrics[]>;
  /** Asks every worker to finish its open requests and exit; kills those still there after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Forks `count` workers and keeps that many running: one that dies after start-up is replaced (after a second, so a
 * worker failing at once cannot spin). Resolves once all of them listen; rejects if one exits before it does.
 */
export async function startWorkers(options: { count: number; socketPath: string; log: Logger; onTouch: (keys: string[]) => void }): Promise<Workers> {
  const { log } = options;
  // The kernel hands connections to the workers; the primary, busy converting, never sits on the accept path.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  let seq = 0;
  const replies = new Map<number, (data: PeerMetrics | undefined) => void>();
  // Counters must never go down in /metrics: each worker's last answer stands in when it is slow to reply, and the
  // counters and histograms of workers that have exited stay in the sum.
  const last = new Map<number, PeerMetrics>();
  const retired: PeerMetrics[] = [];

  const fork = (): Worker => {
    const worker = cluster.fork({ [PRIMARY_SOCKET_ENV]: options.socketPath });
    worker.on('message', (message: unknown) => {
      if (!isMessage<ToPrimary>(message)) return;
      if (message.omnic === 'touch') options.onTouch(message.keys);
      else if (message.omnic === 'metrics') replies.get(message.id)?.(message.data);
    });
    return worker;
  };

  const first = Array.from({ length: options.count }, fork);
  let port = 0;
  await Promise.all(
    first.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const onExit = (code: number | null, signal: string | null) => reject(new Error(`An HTTP worker exited while starting (code ${code}, signal ${signal}); see its message above.`));
          worker.once('exit', onExit);
          worker.once('listening', (address: { port: number }) => {
            port = address.port;
            worker.off('exit', onExit);
            resolve();
          });
        }),
    ),
  ).catch((err: unknown) => {
    stopping = true;
    for (const worker of first) worker.process.kill('SIGKILL');
    throw err;
  });
  cluster.on('exit', (worker, code, signal) => {
    const snapshot = last.get(worker.id);
    last.delete(worker.id);
    // prom-client's JSON carries the type as a string ('counter'), whatever its typings say.
    if (snapshot) retired.push(snapshot.filter((metric) => ['counter', 'histogram'].includes(String(metric.type))));
    if (stopping) return;
    log.error('HTTP worker exited; starting another', { pid: worker.process.pid, code, signal });
    setTimeout(() => !stopping && fork(), 1000).unref();
  });

  const current = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  return {
    port,
    async peerMetrics() {
      const ask = (worker: Worker) =>
        new Promise<PeerMetrics | undefined>((resolve) => {
          const id = ++seq;
          const timer = setTimeout(() => finish(undefined), 2000);
          const finish = (data: PeerMetrics | undefined) => {
            clearTimeout(timer);
            replies.delete(id);
            if (data) last.set(worker.id, data);
            resolve(data ?? last.get(worker.id));
          };
          replies.set(id, finish);
          worker.send({ omnic: 'metrics', id } satisfies ToWorker);
        });
      const answers = await Promise.all(current().filter((worker) => worker.isConnected()).map(ask));
      return [...answers.filter((a): a is PeerMetrics => !!a), ...retired];
    },
    async stop(graceMs) {
      stopping = true;
      await Promise.all(
        current().map(async (worker) => {
          if (worker.isDead()) return;
          const exited = once(worker, 'exit');
          if (worker.isConnected()) worker.send({ omnic: 'stop' } satisfies ToWorker);
          const timer = setTimeout(() => worker.process.kill('SIGKILL'), graceMs).unref();
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

/**
 * The worker's side of the channel: answers metrics requests with `metrics`, reports hits in batches so the
 * primary's LRU keeps popular results, and calls `onStop` when the primary says so (or disappears).
 */
export function connectToPrimary(options: { metrics: Metrics; onStop: () => void }): { touched(key: string): void } {
  const touched = new Set<string>();
  const flush = setInterval(() => {
    if (!touched.size || !process.connected) return;
    process.send!({ omnic: 'touch', keys: [...touched] } satisfies ToPrimary);
    touched.clear();
  }, 1000);
  flush.unref();
  process.on('message', (message: unknown) => {
    if (!isMessage<ToWorker>(message)) return;
    if (message.omnic === 'stop') options.onStop();
    else if (message.omnic === 'metrics') {
      void options.metrics.registry.getMetricsAsJSON().then((data) => {
        if (process.connected) process.send!({ omnic: 'metrics', id: message.id, data } satisfies ToPrimary);
      });
    }
  });
  // The primary coordinates shutdown; a worker never acts on signals itself, and leaves when its primary is gone.
  process.on('SIGTERM', () => {});
  process.on('SIGINT', () => {});
  process.on('disconnect', options.onStop);
  return { touched: (key) => touched.add(key) };
}

/** Header names a message's Connection header lists: hop-by-hop for that message only. */
function connectionTokens(header: string | string[] | undefined): Set<string> {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return new Set(value.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean));
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are never passed along; Node frames each side itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** Passes a request to the converting process over its unix socket and streams the answer back. */
export function createPrimaryProxy(socketPath: string, log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });
  return (req, res) => {
    const headers: OutgoingHttpHeaders = {};
    const dropped = connectionTokens(req.headers.connection);
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && !dropped.has(name)) headers[name] = value;
    const client = req.socket.remoteAddress;
    if (client) headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${client}` : client;
    let clientGone = false;
    const upstream = request({ socketPath, method: req.method, path: req.url, headers, agent }, (answer) => {
      const passed: string[] = [];
      const droppedAnswer = connectionTokens(answer.headers.connection);
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i]!.toLowerCase();
        if (!HOP_BY_HOP.has(name) && !droppedAnswer.has(name)) passed.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
      }
      res.writeHead(answer.statusCode ?? 502, passed);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      if (clientGone) return; // we cut it ourselves, below
      if (res.headersSent) {
        res.destroy();
        return;
      }
      log.warn('converting process unreachable', { err: String(err) });
      const body = JSON.stringify({ error: 'draining', message: 'The converting process is not answering (restarting or shutting down); retry shortly.' });
      res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '2', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    // A client that goes away mid-request (an upload cut short) takes the upstream request with it.
    res.on('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      upstream.destroy();
    });
    req.pipe(upstream);
  };
}
