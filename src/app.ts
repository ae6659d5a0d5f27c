// createApp(deps): the Koa app and its middleware order; it never listens and never reads the environment.
import type { RequestListener } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { adminAuth, adminPage, adminSign } from './http/admin.js';
import { convertHandler } from './http/convert.js';
import { createFastPath, withFastPath } from './http/fast-path.js';
import { mediaHandler, type MediaDeps } from './http/media.js';
import { named, requestContext } from './http/middleware.js';
import { clientScriptHandler, formatsHandler, healthz, metricsHandler, readyz, versionHandler, type OpsDeps } from './http/ops.js';

export interface AppDeps extends OpsDeps, MediaDeps {
  log: Logger;
  tempPath: () => string;
  maxSourceBytes: number;
  /** Serve /metrics on this app (false when OMNIC_METRICS_PORT has its own listener). */
  serveMetrics: boolean;
  /** OMNIC_ADMIN_TOKEN; empty turns /admin/ off. */
  adminToken: string;
  adminHtml: string;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.silent = true;
  const router = new Router();
  const media = mediaHandler(deps);
  router.get('/media/*rest', named('media'), media);
  router.post('/convert/*rest', named('convert'), convertHandler({ ...deps, tempPath: deps.tempPath }));
  router.get('/healthz', named('healthz'), healthz);
  router.get('/readyz', named('readyz'), readyz(deps));
  if (deps.serveMetrics) router.get('/metrics', named('metrics'), metricsHandler(deps.metrics));
  router.get('/version', named('version'), versionHandler(deps.version));
  router.get('/formats', named('formats'), formatsHandler(deps.formats));
  router.get('/omnic.js', named('client'), clientScriptHandler(deps.clientScript));
  const admin = adminAuth(deps.adminToken);
  router.get('/admin/', named('admin'), admin, adminPage(deps.adminHtml));
  router.get('/admin/sign', named('admin'), admin, adminSign(deps.signingKeys[0]));
  app.use(requestContext(deps.log, deps.metrics));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** The server's request listener: cached in-memory /media hits first, everything else through Koa. */
export function createRequestListener(deps: AppDeps): RequestListener {
  const koa = createApp(deps).callback();
  return withFastPath(createFastPath(deps, deps.log), (req, res) => void koa(req, res));
}

/** A bare app for a separate metrics port. */
export function createMetricsApp(metrics: Metrics): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  router.get('/metrics', metricsHandler(metrics));
  app.use(router.routes());
  return app;
}
