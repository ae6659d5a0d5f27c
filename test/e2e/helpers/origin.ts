// A local source origin on 127.0.0.1: serves zoo files and in-memory files, optionally trickled slowly, and counts hits.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { zooPath } from '../../fixtures/zoo/index.js';

export interface Origin {
  base: string;
  /** URL of a zoo file (path relative to test/fixtures/zoo/). */
  zoo(file: string): string;
  /** Serves bytes under /mem/<name>; returns its URL. */
  put(name: string, bytes: Buffer): string;
  /** URL that sends /mem/<name> in small chunks spread over `ms`. */
  slow(name: string, ms: number): string;
  hits(path: string): number;
  close(): Promise<void>;
}

async function trickle(res: ServerResponse, bytes: Buffer, ms: number): Promise<void> {
  const chunks = 20;
  const size = Math.ceil(bytes.length / chunks);
  for (let offset = 0; offset < bytes.length; offset += size) {
    res.write(bytes.subarray(offset, offset + size));
    await sleep(ms / chunks);
  }
  res.end();
}

export async function startOrigin(): Promise<Origin> {
  const memory = new Map<string, Buffer>();
  const counts = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    const [, kind, ...rest] = url.pathname.split('/');
    const name = decodeURIComponent(rest.join('/'));
    const bytes = kind === 'zoo' && !name.includes('..') ? await readFile(zooPath(name)).catch(() => undefined) : memory.get(name);
    if (!bytes) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    if (kind === 'slow') await trickle(res, bytes, Number(url.searchParams.get('ms') ?? 3000));
    else res.end(bytes);
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    zoo: (file) => `${base}/zoo/${file.split('/').map(encodeURIComponent).join('/')}`,
    put(name, bytes) {
      memory.set(name, bytes);
      return `${base}/mem/${encodeURIComponent(name)}`;
    },
    slow: (name, ms) => `${base}/slow/${encodeURIComponent(name)}?ms=${ms}`,
    hits: (path) => counts.get(path) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A 640×480 PNG with gradients and shapes, so any thumbnail of it is far from flat. */
export async function patternPng(width = 640, height = 480): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#fde047"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="#dc2626"/>
    <rect x="${width / 2}" y="${height / 4}" width="${width / 3}" height="${height / 2}" fill="#111827"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A one-page PDF with a line of text, written by hand so every suite has a document without any converter. */
export function minimalPdf(text = 'omnic e2e'): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const offset = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}
