// Composition root: config → profile → check binaries → app → listen → signals. The only module that reads configuration.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetricsApp, createRequestListener } from './app.js';
import { cacheKey, createCache } from './cache.js';
import { loadConfig, type Config } from './config.js';
import { allToolNames, createConverters } from './converters/index.js';
import { resolveTools } from './converters/tools.js';
import { formatsReport } from './formats-report.js';
import { buildGraph } from './graph.js';
import { loadAdminPage } from './http/admin.js';
import { loadClientScript, type VersionInfo } from './http/ops.js';
import { createJobs } from './jobs.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { createPlaceholders } from './placeholder.js';
import { createPlanner } from './plan.js';
import { loadProfile } from './profiles.js';
import { createQueue, createSingleFlight } from './queue.js';
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
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
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
  const server = createServer((req, res) => {
    openRequests++;
    res.once('close', () => openRequests--);
    listener(req, res);
  });
  // Conversions may take longer than Node's default request timeout allows.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const metricsServer = config.metricsPort ? createServer(createMetricsApp(metrics).callback()).listen(config.metricsPort, config.host) : undefined;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address === '::' ? '::1' : address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  const url = `http://${host}:${address.port}`;
  log.info('omnic listening', { url, profile: profile.name, converters: profile.converters, cacheDir: config.cache.dir });

  const closeAll = async () => {
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
  };
}

/** `omnic serve`: start, then drain and exit 0 on SIGTERM/SIGINT. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const omnic = await start({ env });
  const onSignal = (signal: string) => {
    process.stderr.write(`${JSON.stringify({ level: 'info', message: 'signal received', signal })}\n`);
    omnic.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
