// The chart and the app agree on every variable, port, path and mount; read from the app's own schema so drift fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configEnvNames, configSchema, loadConfig, parseBytes } from '../../../src/config.js';
import { allToolNames } from '../../../src/converters/index.js';
import { BUILT_IN_PROFILES, validateProfile } from '../../../src/profiles.js';
import { EXTERNAL_SECRETS, omnicContainer, podSpec, quantityBytes, resolvedEnv } from './pod-spec.js';
import { ROOT, VALUES_FILES, findObject, renderChart, type K8sObject } from './render-chart.js';

const declared = new Set(configEnvNames(allToolNames()));
const schemaTree = configSchema(allToolNames()) as Record<string, unknown>;
const rendered = new Map<string, Promise<K8sObject[]>>();
const render = (file: string) => {
  if (!rendered.has(file)) rendered.set(file, renderChart(file));
  return rendered.get(file)!;
};

for (const file of VALUES_FILES) {
  test(`ci/${file}: every env name the chart sets is declared by the app's configuration schema`, async () => {
    const names = omnicContainer(await render(file)).env.map((e) => e.name);
    assert.ok(names.length > 0);
    assert.deepEqual(names.filter((name) => !declared.has(name)), [], 'env names unknown to src/config.ts');
    assert.equal(new Set(names).size, names.length, 'an env name is set twice');
  });

  test(`ci/${file}: the app's own loadConfig() accepts the rendered environment`, async () => {
    const env = resolvedEnv(await render(file), EXTERNAL_SECRETS);
    assert.doesNotThrow(() => loadConfig(env, allToolNames()));
  });

  test(`ci/${file}: ports and probes point at the listeners the app opens`, async () => {
    const objects = await render(file);
    const config = loadConfig(resolvedEnv(objects, EXTERNAL_SECRETS), allToolNames());
    const container = omnicContainer(objects);
    const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
    assert.equal(ports.http, config.port, 'containerPort "http" is not OMNIC_PORT');
    assert.equal(ports.metrics, config.metricsPort || undefined, 'containerPort "metrics" does not match OMNIC_METRICS_PORT');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.startupProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) assert.equal(probe.httpGet.port, 'http');
    const service = findObject<{ spec: { ports: Array<{ name: string; targetPort: string }> } }>(objects, 'Service')!;
    for (const port of service.spec.ports) assert.ok(port.targetPort in ports, `Service port ${port.name} targets ${port.targetPort}, which the container does not open`);
    const monitor = findObject<{ spec: { endpoints: Array<{ port: string; path: string }> } }>(objects, 'ServiceMonitor');
    for (const endpoint of monitor?.spec.endpoints ?? []) {
      assert.equal(endpoint.path, '/metrics');
      assert.equal(endpoint.port, config.metricsPort ? 'metrics' : 'http', 'ServiceMonitor scrapes the wrong port');
      assert.ok(service.spec.ports.some((p) => p.name === endpoint.port));
    }
  });

  test(`ci/${file}: the pod is hardened (non-root, read-only root, no capabilities, seccomp)`, async () => {
    const objects = await render(file);
    const pod = podSpec(objects);
    const sc = omnicContainer(objects).securityContext;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile?.type, 'RuntimeDefault');
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.deepEqual(sc.capabilities?.drop, ['ALL']);
    assert.equal(sc.privileged ?? false, false);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  test(`ci/${file}: termination grace outlasts preStop plus the app's drain`, async () => {
    const objects = await render(file);
    const config = loadConfig(resolvedEnv(objects, EXTERNAL_SECRETS), allToolNames());
    const preStop = omnicContainer(objects).lifecycle.preStop.exec.command;
    assert.equal(preStop[0], 'sleep');
    const needed = Number(preStop[1]) + config.shutdownGraceMs / 1000;
    assert.ok(podSpec(objects).terminationGracePeriodSeconds > needed, `grace ${podSpec(objects).terminationGracePeriodSeconds}s ≤ preStop + OMNIC_SHUTDOWN_GRACE_MS = ${needed}s`);
  });

  test(`ci/${file}: cache and /tmp are writable volumes and the cache cap fits its volume`, async () => {
    const objects = await render(file);
    const config = loadConfig(resolvedEnv(objects, EXTERNAL_SECRETS), allToolNames());
    const pod = podSpec(objects);
    const mounts = Object.fromEntries(omnicContainer(objects).volumeMounts.map((m) => [m.mountPath, m]));
    const volume = (path: string) => pod.volumes.find((v) => v.name === mounts[path]?.name);
    assert.ok(volume('/tmp')?.emptyDir, '/tmp is not an emptyDir (the root filesystem is read-only)');
    const cache = volume(config.cache.dir);
    assert.ok(cache, `OMNIC_CACHE_DIR ${config.cache.dir} is not a mounted volume`);
    assert.notEqual(mounts[config.cache.dir]!.readOnly, true);
    const size = cache.emptyDir?.sizeLimit ?? cache.ephemeral?.volumeClaimTemplate.spec.resources.requests.storage;
    if (size) assert.ok(config.cache.maxBytes < quantityBytes(size), `OMNIC_CACHE_MAX_BYTES ${config.cache.maxBytes} ≥ volume size ${size}: the kubelet would evict the pod first`);
    else assert.ok(cache.persistentVolumeClaim?.claimName);
  });

  test(`ci/${file}: OMNIC_PROFILE is a built-in or a mounted ConfigMap the app's validator accepts`, async () => {
    const objects = await render(file);
    const profile = loadConfig(resolvedEnv(objects, EXTERNAL_SECRETS), allToolNames()).profile;
    if (!profile.includes('/')) return assert.ok((BUILT_IN_PROFILES as readonly string[]).includes(profile), profile);
    const mount = omnicContainer(objects).volumeMounts.find((m) => profile.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${profile} is not under any volume mount`);
    const configMapName = podSpec(objects).volumes.find((v) => v.name === mount.name)?.configMap?.name;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName) as { data: Record<string, string> } | undefined;
    const text = configMap?.data[profile.slice(mount.mountPath.length + 1)];
    assert.ok(text, `ConfigMap ${configMapName} has no key for ${profile}`);
    assert.doesNotThrow(() => validateProfile(JSON.parse(text), profile));
  });
}

test('chart defaults equal the app defaults, except where the chart must differ (and says why)', async () => {
  const deliberate: Record<string, string> = {
    OMNIC_PROFILE: 'the default image target is kitchen-sink',
    OMNIC_CACHE_DIR: 'the image keeps its cache volume at /var/cache/omnic',
    OMNIC_CACHE_MAX_BYTES: 'must stay below the emptyDir sizeLimit',
    OMNIC_CONCURRENCY: 'Node sees the node CPU count, not the container limit',
    OMNIC_METRICS_PORT: 'metrics on their own port stay off the Ingress',
  };
  const env = resolvedEnv(await render('default-values.yaml'));
  const appDefaults = loadConfig({}, allToolNames()) as unknown as Record<string, unknown>;
  const chart = loadConfig(env, allToolNames()) as unknown as Record<string, unknown>;
  for (const name of Object.keys(env).filter((n) => !(n in deliberate))) {
    const path = envPath(name);
    assert.deepEqual(get(chart, path), get(appDefaults, path), `${name}: the chart default differs from src/config.ts`);
  }
});

test('the chart runs as the user and uses the cache path the Dockerfile sets up', async () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const objects = await render('default-values.yaml');
  const pod = podSpec(objects);
  assert.match(dockerfile, new RegExp(`--uid ${pod.securityContext.runAsUser}\\b`), 'runAsUser is not the image user');
  assert.match(dockerfile, new RegExp(`--gid ${pod.securityContext.runAsGroup}\\b`), 'runAsGroup is not the image group');
  const cacheDir = /OMNIC_CACHE_DIR=(\S+)/.exec(dockerfile)?.[1];
  assert.equal(resolvedEnv(objects).OMNIC_CACHE_DIR, cacheDir);
  assert.ok(parseBytes(resolvedEnv(objects).OMNIC_CACHE_MAX_BYTES) > 0);
});

/** The config key path of an env name, found in the app's schema (OMNIC_CACHE_DIR → cache.dir). */
function envPath(name: string): string[] {
  const walk = (node: Record<string, unknown>, path: string[]): string[] | undefined => {
    for (const [key, value] of Object.entries(node)) {
      const entry = value as Record<string, unknown>;
      if (entry.env === name) return [...path, key];
      if (typeof entry.env !== 'string' && typeof entry === 'object') {
        const found = walk(entry, [...path, key]);
        if (found) return found;
      }
    }
    return undefined;
  };
  const path = walk(schemaTree, []);
  if (!path) throw new Error(`${name} is not in the schema`);
  return path;
}

const get = (obj: Record<string, unknown>, path: string[]) => path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], obj);
