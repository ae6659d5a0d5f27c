// Boots the real app in-process with exactly the environment the rendered Deployment sets, and probes it as the kubelet would.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { MissingToolError } from '../../../src/converters/tools.js';
import { start, type Omnic } from '../../../src/main.js';
import { EXTERNAL_SECRETS, omnicContainer, podSpec, resolvedEnv } from './pod-spec.js';
import { VALUES_FILES, renderChart, type K8sObject } from './render-chart.js';

/** A port free on 127.0.0.1 right now (the chart's 8080/9090 may be taken on a CI host). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The pod's environment with only what a laptop cannot have rewritten: mount paths become temp dirs
 * (the cache emptyDir, and the ConfigMap volume whose files are written out as the kubelet would),
 * and fixed ports become free ones. Every other name and value is the rendered one.
 */
async function podEnvironment(objects: K8sObject[], root: string): Promise<Record<string, string>> {
  const env = resolvedEnv(objects, EXTERNAL_SECRETS);
  const pod = podSpec(objects);
  for (const mount of omnicContainer(objects).volumeMounts) {
    const local = join(root, mount.mountPath);
    await mkdir(local, { recursive: true });
    const configMapName = pod.volumes.find((v) => v.name === mount.name)?.configMap?.name;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName) as { data?: Record<string, string> } | undefined;
    for (const [key, text] of Object.entries(configMap?.data ?? {})) await writeFile(join(local, key), text);
    for (const [name, value] of Object.entries(env)) if (value === mount.mountPath || value.startsWith(`${mount.mountPath}/`)) env[name] = join(root, value);
  }
  env.OMNIC_PORT = String(await freePort());
  if (env.OMNIC_METRICS_PORT && env.OMNIC_METRICS_PORT !== '0') env.OMNIC_METRICS_PORT = String(await freePort());
  return env;
}

/**
 * start(), except that a profile whose tools are not installed (kitchen-sink on a laptop) skips the
 * test with the reason, like the converter harness; in CI (CI=true) every tool is installed and it fails.
 */
async function startOrSkip(t: TestContext, env: Record<string, string>): Promise<Omnic | undefined> {
  try {
    return await start({ env });
  } catch (err) {
    if (err instanceof MissingToolError && process.env.CI !== 'true') {
      t.skip(err.message);
      return undefined;
    }
    throw err;
  }
}

for (const file of VALUES_FILES) {
  test(`ci/${file}: the app boots with the rendered environment and its probes answer 200`, async (t) => {
    const objects = await renderChart(file);
    const root = await mkdtemp(join(tmpdir(), 'omnic-helm-boot-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const env = await podEnvironment(objects, root);
    const omnic = await startOrSkip(t, env);
    if (!omnic) return;
    t.after(() => omnic.stop());
    const container = omnicContainer(objects);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      const response: Response = await fetch(`${omnic.url}${probe.httpGet.path}`);
      assert.equal(response.status, 200, `${probe.httpGet.path} answered ${response.status}: ${await response.text()}`);
    }
    assert.equal(new URL(omnic.url).port, env.OMNIC_PORT, 'the app does not listen on OMNIC_PORT (containerPort http)');
    const separate = env.OMNIC_METRICS_PORT && env.OMNIC_METRICS_PORT !== '0';
    const metricsUrl = separate ? `http://127.0.0.1:${env.OMNIC_METRICS_PORT}/metrics` : `${omnic.url}/metrics`;
    const metrics = await fetch(metricsUrl);
    assert.equal(metrics.status, 200, `${metricsUrl} (the ServiceMonitor's target)`);
    assert.match(await metrics.text(), /^omnic_queue_waiting /m, 'the HPA queue metric is not exported');
    if (separate) assert.equal((await fetch(`${omnic.url}/metrics`)).status, 404, '/metrics leaks onto the public port');
  });
}

test('signing keys from the rendered Secret reach the app: an unsigned /media request is refused', async (t) => {
  const objects = await renderChart('full-values.yaml');
  assert.ok(resolvedEnv(objects).OMNIC_SIGNING_KEYS, 'full-values.yaml sets no signing keys');
  const root = await mkdtemp(join(tmpdir(), 'omnic-helm-boot-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const omnic = await start({ env: await podEnvironment(objects, root) });
  t.after(() => omnic.stop());
  const response = await fetch(`${omnic.url}/media/thumb.webp:64x64/?url=https://files.example.org/a.png`);
  assert.equal(response.status, 403);
  assert.equal(((await response.json()) as { error: string }).error, 'bad_signature');
});

test('the custom profile from the ConfigMap is the one the app runs', async (t) => {
  const objects = await renderChart('full-values.yaml');
  const root = await mkdtemp(join(tmpdir(), 'omnic-helm-boot-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const env = await podEnvironment(objects, root);
  assert.equal(dirname(env.OMNIC_PROFILE!), join(root, '/etc/omnic/profile'));
  const omnic = await start({ env });
  t.after(() => omnic.stop());
  const ready = (await (await fetch(`${omnic.url}/readyz`)).json()) as { profile: string };
  assert.equal(ready.profile, 'thumbnails');
});

test('the `helm test` pod\'s script passes against the booted app', async (t) => {
  const objects = await renderChart('image-values.yaml');
  const pod = objects.find((o) => o.kind === 'Pod' && o.metadata.annotations?.['helm.sh/hook'] === 'test') as { spec: { containers: Array<{ command: string[] }> } } | undefined;
  assert.ok(pod, 'no helm test pod');
  const service = objects.find((o) => o.kind === 'Service')!;
  const root = await mkdtemp(join(tmpdir(), 'omnic-helm-boot-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const omnic = await start({ env: await podEnvironment(objects, root) });
  t.after(() => omnic.stop());
  const [command, ...args] = pod.spec.containers[0]!.command;
  // Only the cluster DNS name is swapped for the local address; the script runs as rendered.
  const serviceUrl = new RegExp(`http://${service.metadata.name}:\\d+`);
  const script = args.at(-1)!;
  assert.match(script, serviceUrl);
  const { stdout } = await promisify(execFile)(command === 'node' ? process.execPath : command!, [...args.slice(0, -1), script.replace(serviceUrl, omnic.url)]);
  assert.match(stdout, /\/readyz 200/);
  assert.match(stdout, /\/formats 200/);
});
