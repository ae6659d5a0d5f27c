// Starts a built omnic image the way operators run it: host network, env vars, read-only root, tmpfs /tmp; waits on /readyz.
import './env.js';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { docker } from './docker.js';
import { ensureImage, type Target } from './images.js';

/** A host file or directory mounted into the container (testcontainers' BindMount, which its index does not export). */
export type BindMount = Parameters<GenericContainer['withBindMounts']>[0][number];

export interface OmnicOptions {
  target: Target;
  env?: Record<string, string>;
  /** Production mode (default): read-only root filesystem, tmpfs /tmp, the cache on its volume. */
  readOnly?: boolean;
  bindMounts?: BindMount[];
  readyTimeoutMs?: number;
}

export interface RunningOmnic {
  /** The image tag it runs. */
  image: string;
  url: string;
  port: number;
  id: string;
  container: StartedTestContainer;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** GenericContainer plus the one HostConfig flag testcontainers has no builder for. */
class OmnicContainer extends GenericContainer {
  withReadOnlyRootFs(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitReady(url: string, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/readyz`).catch((err: Error) => err);
    if (!(res instanceof Error) && res.status === 200) return;
    last = res instanceof Error ? res.message : `HTTP ${res.status} ${await res.text()}`;
    if ((await docker(['inspect', '--format', '{{.State.Running}}', id])).trim() !== 'true') break;
    await sleep(250);
  }
  const logs = await docker(['logs', '--tail', '60', id]).catch(() => '');
  throw new Error(`omnic ${id.slice(0, 12)} not ready (${last}); last logs:\n${logs}`);
}

export async function startOmnic(options: OmnicOptions): Promise<RunningOmnic> {
  const image = await ensureImage(options.target);
  const port = await freePort();
  let container = new OmnicContainer(image)
    .withNetworkMode('host')
    .withLabels({ 'omnic-e2e': 'true' })
    .withEnvironment({ OMNIC_HOST: '127.0.0.1', OMNIC_PORT: String(port), OMNIC_ALLOW_PRIVATE_NETWORKS: 'true', ...options.env })
    .withBindMounts(options.bindMounts ?? [])
    .withStartupTimeout(30_000);
  if (options.readOnly !== false) container = container.withReadOnlyRootFs().withTmpFs({ '/tmp': 'rw,noexec,nosuid,size=512m' });
  const started = await container.start();
  const url = `http://127.0.0.1:${port}`;
  const id = started.getId();
  try {
    await waitReady(url, id, options.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await started.stop({ timeout: 1_000 }).catch(() => undefined);
    throw err;
  }
  return {
    image,
    url,
    port,
    id,
    container: started,
    logs: () => docker(['logs', id]),
    async stop() {
      await started.stop({ timeout: 10_000 }).catch(() => undefined);
    },
  };
}
