// A local fixture origin on 127.0.0.1: serves files and generated bodies, counts requests, can be slow.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body: Buffer | (() => Promise<Buffer>);
  type?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  status?: number;
}

export interface Origin {
  url(path: string): string;
  /** Requests seen per path (HEAD and GET). */
  hits(path: string): number;
  /** TCP connections accepted. */
  connections(): number;
  route(path: string, route: Route): void;
  file(path: string, file: string, type?: string): void;
  close(): Promise<void>;
}

export async function startOrigin(): Promise<Origin> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  let connections = 0;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://origin').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    if (route.delayMs) await new Promise((r) => setTimeout(r, route.delayMs));
    const body = typeof route.body === 'function' ? await route.body() : route.body;
    res.writeHead(route.status ?? 200, { 'Content-Type': route.type ?? 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits: (path) => hits.get(path) ?? 0,
    connections: () => connections,
    route: (path, route) => void routes.set(path, route),
    file: (path, file, type) => void routes.set(path, { body: () => readFile(file), type }),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
