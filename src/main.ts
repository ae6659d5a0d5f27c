// Composition root: config → profile → check binaries → app → listen → signals. The only module that reads configuration.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createMetricsApp, createRequestListener } from './app.js';
import { cacheKey, createCache, createResultReader } from './cache.js';
import { connectToPrimary, createPrimaryProxy, isWorkerProcess, PRIMARY_SOCKET_ENV, startWorkers, type Workers } from './cluster.js';
import { loadConfig, type Config } from './config.js';
import { allToolNames, createConverters } from './converters/index.js';
import { resolveTools } from './converters/tools.js';
import { formatsReport } from './formats-report.js';
import { buildGraph } from './graph.js';
import { loadAdminPage } from './http/admin.js';
import { loadClientScript, type VersionInfo } from './http/ops.js';
import { createFastPath, withFastPath } from './http/fast-path.js';
import { createJobs, resultKey, resultOf } from './jobs.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createPlaceholders } from './placeholder.js';
import { createPlanner } from './plan.js';
import { loadProfile, profileScope } from './profiles.js';
import { createQueue, createSingleFlight } from './queue.js';
import { createEgressGuard } from './resolvers/guard.js';
import { createHttpResolver } from './resolvers/http.js';
import { OMNIC_VERSION } from './version.js';

export interface Omnic {
  url: string;
  config: Readonly<Config>;
  server: Server;
  /** SIGTERM behaviour: readiness 503 at once, new work 503, in-flight work finishes within the grace period. */
  shutdown(): Promise<void>;
  /** Immediate stop (tests). */
  stop(): Promise<void>;
  /** Marks results as just used (hits answered by worker processes). */
  touch(keys: readonly string[]): void;
  /** Resolves once the cache writes that follow answers (write-behind) have finished. */
  settled(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Listen on this unix socket instead of OMNIC_HOST:OMNIC_PORT (the converting process behind OMNIC_WORKERS). */
  socketPath?: string;
  /** Metrics of the worker processes, summed into /metrics. */
  peerMetrics?: Metrics['peers'];
}

export async function start(options: StartOptions = {}): Promise<Omnic> {
  const config = loadConfig(options.env ?? process.env, allToolNames());
  const log = options.log ?? createLogger(config.log);
  const profile = await loadProfile(config.profile);
  const converters = createConverters(profile.converters);
  const tools = await resolveTools(converters, Object.fromEntries(Object.entries(config.bins).filter(([, path]) => path)));
  const limits = {
    maxSourceBytes: Math.min(config.egress.maxSourceBytes, profile.limits.maxSourceBytes ?? Infinity),
    maxPixels: Math.min(config.maxSourcePixels, profile.limits.maxSourcePixels ?? Infinity),
    conversionTimeoutMs: Math.min(config.conversionTimeoutMs, profile.limits.conversionTimeoutMs ?? Infinity),
  };
  const metrics = createMetrics();
  metrics.peers = options.peerMetrics;
  for (const converter of converters) {
    await converter.start?.({
      tools,
      settings: (config.converters as Record<string, Record<string, unknown>>)[converter.name] ?? {},
      limits: { maxPixels: limits.maxPixels },
      log: log.child({ converter: converter.name }),
      onRestart: () => metrics.converterRestarts.inc({ converter: converter.name }),
    });
  }
  const cache = await createCache(config.cache, {
    onEvict: () => metrics.cacheEvictions.inc(),
    onBytes: (bytes) => metrics.cacheBytes.set(bytes),
  });
  const graph = buildGraph(converters, profile);
  const resolver = createHttpResolver({ ...config.egress, maxSourceBytes: limits.maxSourceBytes }, {
    userAgent: `omnic/${OMNIC_VERSION}`,
    onConnectRefused: (reason) => metrics.rejections.inc({ reason }),
  });
  const queue = createQueue(config, {
    onChange: ({ running, waiting }) => {
      metrics.jobsRunning.set(running);
      metrics.queueWaiting.set(waiting);
    },
    onWait: (seconds) => metrics.queueWait.observe(seconds),
  });
  const shutdownController = new AbortController();
  const jobs = createJobs({
    cache,
    planner: createPlanner(graph, tools, profile.name, cacheKey),
    scope: profileScope(profile),
    queue,
    flights: createSingleFlight(() => metrics.coalesced.inc()),
    fetcher: resolver,
    tools,
    converters,
    metrics,
    log,
    limits: { ...limits, failureTtlMs: config.failureTtlMs, concurrency: config.concurrency },
    shutdownSignal: shutdownController.signal,
  });
  let draining = false;
  const version: VersionInfo = {
    omnic: OMNIC_VERSION,
    node: process.version,
    profile: profile.name,
    converters: converters.map((c) => ({
      name: c.name,
      ...(c.libraryVersion ? { library: c.libraryVersion } : {}),
      tools: c.tools.map((t) => ({ name: t.name, version: tools[t.name]!.version, package: t.package })),
    })),
  };
  const listener = createRequestListener({
    jobs,
    log,
    metrics,
    placeholders: createPlaceholders(),
    precheck: (url) => resolver.precheck(url),
    tempPath: () => cache.tempPath(),
    signingKeys: config.signingKeys,
    waitMs: config.waitMs,
    resultMaxAge: config.resultMaxAge,
    maxSourceBytes: limits.maxSourceBytes,
    serveMetrics: config.metricsPort === 0,
    cacheDir: config.cache.dir,
    isDraining: () => draining,
    version,
    formats: formatsReport(graph, profile.name),
    clientScript: await loadClientScript(),
    adminToken: config.adminToken,
    adminHtml: await loadAdminPage(),
  });
  // Open requests, so a drain waits for responses still streaming and uploads still arriving, not only for conversions.
  let openRequests = 0;
  const server = httpServer((req, res) => {
    openRequests++;
    res.once('close', () => openRequests--);
    listener(req, res);
  });
  if (options.socketPath) server.listen(options.socketPath);
  else server.listen(config.port, config.host);
  await once(server, 'listening');
  const metricsServer = config.metricsPort ? createServer(createMetricsApp(metrics).callback()).listen(config.metricsPort, config.host) : undefined;
  const address = server.address() as AddressInfo;
  const url = options.socketPath ? `unix:${options.socketPath}` : urlOf(address.address, address.port);
  log.info(options.socketPath ? 'converting process listening' : 'omnic listening', { url, profile: profile.name, converters: profile.converters, cacheDir: config.cache.dir });

  const closeAll = async () => {
    await jobs.settled();
    shutdownController.abort();
    await Promise.all(converters.map((c) => c.stop?.().catch((err) => log.warn('converter stop failed', { converter: c.name, err: String(err) }))));
    server.closeAllConnections();
    metricsServer?.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), metricsServer ? new Promise((r) => metricsServer.close(r)) : undefined]);
    await resolver.close();
  };
  let shuttingDown: Promise<void> | undefined;
  return {
    url,
    config,
    server,
    shutdown() {
      shuttingDown ??= (async () => {
        draining = true;
        log.info('draining', { graceMs: config.shutdownGraceMs });
        const deadline = Date.now() + config.shutdownGraceMs;
        await Promise.race([queue.onIdle(), new Promise((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref())]);
        while (openRequests > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        server.closeIdleConnections();
        await closeAll();
        log.info('stopped');
      })();
      return shuttingDown;
    },
    async stop() {
      draining = true;
      await closeAll();
    },
    touch(keys) {
      for (const key of keys) cache.touch(key);
    },
    settled: () => jobs.settled(),
  };
}

/** The URL a local client reaches a listener at (a wildcard address becomes loopback). */
function urlOf(address: string, port: number): string {
  const host = address.includes(':') ? `[${address === '::' ? '::1' : address}]` : address === '0.0.0.0' ? '127.0.0.1' : address;
  return `http://${host}:${port}`;
}

/** An HTTP server whose requests may last as long as a conversion (Node's default request timeout would cut them). */
function httpServer(listener: RequestListener): Server {
  const server = createServer(listener);
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  return server;
}

/** `omnic serve`: start, then drain and exit 0 on SIGTERM/SIGINT. With OMNIC_WORKERS > 1, the primary of a cluster. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (isWorkerProcess(env)) return serveWorker(env);
  const config = loadConfig(env, allToolNames());
  if (config.workers > 1) return servePrimary(env, config);
  const omnic = await start({ env });
  onSignals(() => omnic.shutdown());
}

function onSignals(shutdown: () => Promise<void>): void {
  const onSignal = (signal: string) => {
    process.stderr.write(`${JSON.stringify({ level: 'info', message: 'signal received', signal })}\n`);
    shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** The converting process: the whole app on a private unix socket, and OMNIC_WORKERS processes on the port. */
async function servePrimary(env: NodeJS.ProcessEnv, config: Readonly<Config>): Promise<void> {
  const log = createLogger(config.log);
  // A private directory (0700) for the socket: no other instance or local user can take or remove it.
  const socketDir = await mkdtemp(join(tmpdir(), 'omnic-'));
  const socketPath = join(socketDir, 'primary.sock');
  let workers: Workers | undefined;
  const omnic = await start({ env, log, socketPath, peerMetrics: async () => (await workers?.peerMetrics()) ?? [] });
  try {
    workers = await startWorkers({ count: config.workers, socketPath, log, onTouch: (keys) => omnic.touch(keys) });
  } catch (err) {
    await omnic.stop();
    await rm(socketDir, { recursive: true, force: true });
    throw err;
  }
  log.info('omnic listening', { url: urlOf(config.host, workers.port), workers: config.workers, profile: omnic.config.profile });
  // Workers keep answering cached results while the primary drains; they stop once it has.
  onSignals(async () => {
    await omnic.shutdown();
    await workers.stop(5000);
    await rm(socketDir, { recursive: true, force: true });
  });
}

/** One HTTP worker: answers cached results from the cache directory, passes everything else to the primary. */
async function serveWorker(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env, allToolNames());
  const log = createLogger(config.log);
  const metrics = createMetrics();
  let server: Server | undefined;
  // Listening to the primary comes first: a stop sent while this worker still starts must not be lost.
  const channel = connectToPrimary({
    metrics,
    onStop: () => {
      if (!server) process.exit(0);
      server.close(() => process.exit(0));
      // Keep-alive connections close as soon as they are idle; in-flight answers finish first.
      setInterval(() => server!.closeIdleConnections(), 100).unref();
      setTimeout(() => process.exit(0), 10_000).unref();
    },
  });
  const scope = profileScope(await loadProfile(config.profile));
  const guard = createEgressGuard(config.egress);
  const read = createResultReader(config.cache.dir);
  const fast = createFastPath(
    {
      jobs: {
        resultKey: (target, sourceId) => resultKey(scope, target, sourceId),
        lookup: async (key) => {
          const hit = await read(key);
          return hit && resultOf(hit);
        },
        // Looked-up answers are re-read from disk every second: removals by the primary show up within one.
        generation: () => Math.floor(Date.now() / 1000),
        touch: (key) => channel.touched(key),
      },
      metrics,
      precheck: (url) => guard.checkUrl(url),
      signingKeys: config.signingKeys,
      resultMaxAge: config.resultMaxAge,
    },
    log,
  );
  server = httpServer(withFastPath(fast, createPrimaryProxy(env[PRIMARY_SOCKET_ENV]!, log)));
  server.on('error', (err) => {
    log.error('HTTP worker cannot listen', { err: String(err), host: config.host, port: config.port });
    process.exit(1);
  });
  server.listen(config.port, config.host);
}
