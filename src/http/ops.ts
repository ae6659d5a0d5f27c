// Operations routes: /healthz, /readyz, /metrics, /version, /formats, and the /omnic.js browser snippet.
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import type { Context } from 'koa';
import type { FormatsReport } from '../formats-report.js';
import { exposition, type Metrics } from '../metrics.js';

export interface VersionInfo {
  omnic: string;
  node: string;
  profile: string;
  converters: { name: string; library?: string; tools: { name: string; version: string; package: string }[] }[];
}

export interface OpsDeps {
  metrics: Metrics;
  cacheDir: string;
  isDraining: () => boolean;
  version: VersionInfo;
  formats: FormatsReport;
  clientScript: string;
}

export function healthz(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: 'ok' };
}

export function readyz(deps: OpsDeps) {
  return async (ctx: Context) => {
    const reasons: string[] = [];
    if (deps.isDraining()) reasons.push('draining');
    const writable = await access(deps.cacheDir, constants.W_OK).then(() => true, () => false);
    if (!writable) reasons.push('cache directory not writable');
    ctx.set('Cache-Control', 'no-store');
    ctx.status = reasons.length ? 503 : 200;
    ctx.body = { ready: reasons.length === 0, profile: deps.version.profile, ...(reasons.length ? { reasons } : {}) };
  };
}

export function metricsHandler(metrics: Metrics) {
  return async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await exposition(metrics);
  };
}

export function versionHandler(version: VersionInfo) {
  return (ctx: Context) => {
    ctx.body = version;
  };
}

export function formatsHandler(formats: FormatsReport) {
  return (ctx: Context) => {
    ctx.set('Cache-Control', 'public, max-age=60');
    ctx.body = formats;
  };
}

export async function loadClientScript(): Promise<string> {
  return readFile(new URL('./omnic-client.js', import.meta.url), 'utf8');
}

export function clientScriptHandler(script: string) {
  return (ctx: Context) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = script;
  };
}
