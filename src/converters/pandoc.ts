// pandoc (always --sandbox): markdown, rst, org, textile, epub and docx to a sanitized standalone HTML page.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import type { Converter, Edge, Step } from './converter.js';
import { sanitizeHtml, standaloneHtml } from './sanitize-html.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const EPUB = 'application/epub+zip';

/** pandoc's reader for each input type. */
const READERS: Record<string, string> = {
  'text/markdown': 'markdown',
  'text/x-rst': 'rst',
  'text/org': 'org',
  'text/x-textile': 'textile',
  [EPUB]: 'epub',
  [DOCX]: 'docx',
};
/**
 * Only these carry their images inside; for plain-text sources --extract-media would make pandoc read
 * whatever local paths the text names, so it is never passed for them.
 */
const HAS_MEDIA = new Set([EPUB, DOCX]);
const MEDIA_DIR = 'media';
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
const MAX_MEDIA_BYTES = 16 * 1024 * 1024;
/** pandoc's heap cap: a pathological document fails its step instead of exhausting the machine. */
const HEAP = '-M1g';

function edges(): Edge[] {
  return Object.keys(READERS).map((from) => ({ from, to: 'text/html', cost: from === DOCX ? 6 : 3 }));
}

export function createPandocConverter(): Converter {
  return {
    name: 'pandoc',
    tools: [{ name: 'pandoc', package: 'pandoc', versionArgs: ['--version'] }],
    edges: edges(),
    options: [],
    timeoutMs: 60_000,
    async run(step) {
      const body = join(step.workDir, 'body.html');
      await step.exec('pandoc', pandocArgs(step, body));
      const images = HAS_MEDIA.has(step.from) ? await inlineImages(step.workDir) : new Map<string, string>();
      const fragment = sanitizeHtml(await readFile(body, 'utf8'), { images });
      await writeFile(step.output, standaloneHtml({ title: firstHeading(fragment), body: fragment }));
    },
  };
}

function pandocArgs(step: Step, output: string): string[] {
  const reader = READERS[step.from];
  if (!reader) throw new Error(`pandoc has no reader for ${step.from}`);
  return [
    '+RTS', HEAP, '-RTS',
    // --sandbox: readers and writers touch no file but the ones named here, and no network (include directives fail).
    '--sandbox',
    '--from', reader,
    '--to', 'html5',
    // Never --self-contained / --embed-resources: pandoc 2.17 fetches remote images for those even in the sandbox.
    ...(HAS_MEDIA.has(step.from) ? [`--extract-media=${MEDIA_DIR}`] : []),
    '--output', output,
    // Absolute, because the tool's cwd is the job directory.
    '--', resolve(step.input),
  ];
}

/** Images pandoc extracted from the docx/epub, as data: URIs keyed by the src it wrote; non-images and big files are left out. */
async function inlineImages(workDir: string): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  const root = join(workDir, MEDIA_DIR);
  const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  let total = 0;
  for (const file of files) {
    const path = join(root, file);
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_IMAGE_BYTES || total + info.size > MAX_MEDIA_BYTES) continue;
    const bytes = await readFile(path);
    const mime = (await fileTypeFromBuffer(bytes))?.mime;
    if (!mime || !IMAGE_TYPES.has(mime)) continue;
    total += info.size;
    images.set(`${MEDIA_DIR}/${file}`, `data:${mime};base64,${bytes.toString('base64')}`);
  }
  return images;
}

function firstHeading(fragment: string): string {
  const match = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(fragment);
  return match ? match[1]!.replace(/<[^>]+>/g, '').trim() : 'Document';
}
