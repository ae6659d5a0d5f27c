// Content-addressed on-disk cache: atomic writes (temp file + rename), temp sweep at boot, LRU eviction under a byte cap.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LRUCache } from 'lru-cache';

export type CacheLayer = 'source' | 'step' | 'result';

export interface CacheMeta {
  layer: CacheLayer;
  mime: string;
  /** Bytes of the data file (0 for a result reference). */
  size: number;
  created: number;
  /** A result entry points at the object that holds its bytes. */
  ref?: string;
  /** The conversion path (`docx>pdf>png>thumb.webp`), on result entries. */
  path?: string;
  /** The source URL (source and result entries), so `omnic cache clear <url>` can find them. */
  source?: string;
  /** Source entries: what the origin said, for detection. */
  filename?: string;
  contentType?: string;
}

export interface CacheHit {
  key: string;
  /** Key of the object holding the bytes (the entry itself, or its ref). */
  objectKey: string;
  file: string;
  size: number;
  meta: CacheMeta;
  /** The bytes, when small enough to be held in memory (hot results are served without touching the disk). */
  body?: Buffer;
  /**
   * Set on an entry answered from memory before its files are in the cache: resolves to the entry once they are
   * (`file` is not there before). Whoever needs the file awaits it.
   */
  stored?: Promise<CacheHit>;
}

export interface CacheEvents {
  onEvict?: () => void;
  onBytes?: (bytes: number) => void;
}

export type Cache = Awaited<ReturnType<typeof createCache>>;

export function cacheKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Objects up to this size are kept in memory once read, up to HOT_BYTES in all. */
const HOT_ENTRY_BYTES = 512 * 1024;
const HOT_BYTES = 64 * 2 ** 20;

export async function createCache(options: { dir: string; maxBytes: number }, events: CacheEvents = {}) {
  const objects = join(options.dir, 'objects');
  const { dataPath, metaPath } = objectPaths(options.dir);
  // Each process writes into its own temp directory, so a CLI command next to a running server sweeps only dead ones.
  const tmpRoot = join(options.dir, 'tmp');
  const tmpDir = join(tmpRoot, `${process.pid}-${randomBytes(4).toString('hex')}`);
  let bytes = 0;
  const shards = new Set<string>();
  /** Bumped whenever an entry leaves (eviction, delete, overwrite, clear): lets callers memoise lookups safely. */
  let generation = 0;
  /** Readers per object key (steps using it as input), and evicted keys whose files wait for them. */
  const pins = new Map<string, number>();
  const doomed = new Set<string>();
  const hot = new LRUCache<string, Buffer>({ maxSize: HOT_BYTES, maxEntrySize: HOT_ENTRY_BYTES, sizeCalculation: (b) => Math.max(1, b.length) });
  const lru = new LRUCache<string, CacheMeta>({
    maxSize: options.maxBytes,
    sizeCalculation: (meta) => Math.max(1, meta.size),
    dispose: (meta, key, reason) => {
      generation++;
      bytes -= Math.max(1, meta.size);
      events.onBytes?.(bytes);
      if (reason === 'evict') events.onEvict?.();
      if (reason === 'evict' || reason === 'delete') {
        hot.delete(key);
        // A step may be reading this file right now: remove it when the last reader lets go.
        if (pins.has(key)) doomed.add(key);
        else void removeFiles(key);
      }
    },
  });
  const track = (key: string, meta: CacheMeta) => {
    lru.set(key, meta);
    const kept = lru.has(key);
    if (kept) bytes += Math.max(1, meta.size);
    events.onBytes?.(bytes);
    return kept;
  };
  const removeFiles = async (key: string) => {
    await rm(metaPath(key), { force: true });
    await rm(dataPath(key), { force: true });
  };

  // Boot: a crash can leave temp files and job directories behind; none of them is ever served.
  await sweepTemp(tmpRoot);
  await mkdir(tmpDir, { recursive: true });
  await mkdir(objects, { recursive: true });
  // An entry larger than the whole cap is refused by the LRU without a dispose: drop its files here.
  for (const entry of await scan(objects)) if (!track(entry.key, entry.meta)) await removeFiles(entry.key);

  const cache = {
    dir: options.dir,
    tmpDir,
    /** A fresh path in the cache's temp directory (same filesystem, so rename is atomic). */
    tempPath(suffix = ''): string {
      return join(tmpDir, `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}${suffix}`);
    },
    async get(key: string, layer?: CacheLayer): Promise<CacheHit | undefined> {
      const meta = lru.get(key);
      if (!meta || (layer && meta.layer !== layer)) return undefined;
      const objectKey = meta.ref ?? key;
      if (meta.ref && !lru.get(meta.ref)) {
        lru.delete(key);
        return undefined;
      }
      const file = dataPath(objectKey);
      const cached = hot.get(objectKey);
      if (cached) return { key, objectKey, file, size: cached.length, meta, body: cached };
      const info = await stat(file).catch(() => undefined);
      if (!info) {
        lru.delete(key);
        return undefined;
      }
      if (info.size > HOT_ENTRY_BYTES) return { key, objectKey, file, size: info.size, meta };
      const body = await readFile(file).catch(() => undefined);
      if (body) hot.set(objectKey, body);
      return { key, objectKey, file, size: body?.length ?? info.size, meta, body };
    },
    has(key: string): boolean {
      return lru.has(key);
    },
    /** Changes whenever any entry is removed or replaced; an unchanged value means earlier hits are still valid. */
    generation(): number {
      return generation;
    },
    /** Marks an entry (and the object it points at) as just used, for hits answered from a memo or another process. */
    touch(key: string): void {
      const ref = lru.get(key)?.ref;
      if (ref) lru.get(ref);
      hot.get(ref ?? key);
    },
    /**
     * Moves `tempFile` into the cache under `key` (rename: atomic, never partially visible). `body`, the file's bytes
     * when the caller holds them, rides along on the returned hit and is kept in memory when small.
     */
    async put(key: string, tempFile: string, meta: Omit<CacheMeta, 'size' | 'created'>, body?: Buffer): Promise<CacheHit> {
      const size = body?.length ?? (await stat(tempFile)).size;
      const full: CacheMeta = { ...meta, size, created: Date.now() };
      await shard(key);
      doomed.delete(key); // written again: the new files must outlive a pending removal
      await place(tempFile, dataPath(key));
      await writeMeta(key, full);
      track(key, full);
      if (body && body.length <= HOT_ENTRY_BYTES) hot.set(key, body);
      return { key, objectKey: key, file: dataPath(key), size, meta: full, ...(body ? { body } : {}) };
    },
    /** Records a result: a small entry pointing at the object that holds the bytes. */
    async putRef(key: string, objectKey: string, meta: Omit<CacheMeta, 'size' | 'created' | 'ref'>): Promise<void> {
      const full: CacheMeta = { ...meta, ref: objectKey, size: 0, created: Date.now() };
      await shard(key);
      await writeMeta(key, full);
      track(key, full);
    },
    async delete(key: string): Promise<boolean> {
      const existed = lru.delete(key);
      await removeFiles(key);
      return existed;
    },
    async clear(): Promise<void> {
      generation++;
      lru.clear();
      hot.clear();
      shards.clear();
      await rm(objects, { recursive: true, force: true });
      await mkdir(objects, { recursive: true });
    },
    /** Runs `fn` with an object's files kept on disk even if it is evicted meanwhile. */
    async withPinned<T>(objectKey: string, fn: () => Promise<T>): Promise<T> {
      pins.set(objectKey, (pins.get(objectKey) ?? 0) + 1);
      try {
        return await fn();
      } finally {
        const left = (pins.get(objectKey) ?? 1) - 1;
        if (left > 0) pins.set(objectKey, left);
        else {
          pins.delete(objectKey);
          if (doomed.delete(objectKey)) await removeFiles(objectKey);
        }
      }
    },
    /** Removes every entry recorded for a source URL (its download and its results). */
    async deleteSource(url: string): Promise<number> {
      const keys = [...lru.entries()].filter(([, meta]) => meta.source === url).map(([key]) => key);
      for (const key of keys) await cache.delete(key);
      return keys.length;
    },
    stats(): { entries: number; bytes: number; maxBytes: number } {
      return { entries: lru.size, bytes, maxBytes: options.maxBytes };
    },
    /** Evicts least recently used entries until at most `targetBytes` are held. */
    prune(targetBytes: number): number {
      let evicted = 0;
      while (bytes > targetBytes && lru.size > 0) {
        const oldest = [...lru.rkeys()][0];
        if (oldest === undefined) break;
        lru.delete(oldest);
        evicted++;
      }
      return evicted;
    },
  };

  /** Makes the entry's shard directory once per process (256 of them), not once per write. */
  async function shard(key: string): Promise<void> {
    const name = key.slice(0, 2);
    if (shards.has(name)) return;
    await mkdir(join(objects, name), { recursive: true });
    shards.add(name);
  }

  /** Renames into a shard; one removed behind our back (a `cache clear` from the CLI) is made again. */
  async function place(from: string, to: string): Promise<void> {
    try {
      await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dirname(to), { recursive: true });
      await rename(from, to);
    }
  }

  async function writeMeta(key: string, meta: CacheMeta): Promise<void> {
    const temp = cache.tempPath('.json');
    await writeFile(temp, JSON.stringify(meta));
    // Data is renamed first, metadata last: an entry exists only once both are in place.
    await place(temp, metaPath(key));
  }

  return cache;
}

function objectPaths(dir: string) {
  const dataPath = (key: string) => join(dir, 'objects', key.slice(0, 2), key);
  return { dataPath, metaPath: (key: string) => `${dataPath(key)}.json` };
}

/**
 * Reads a finished result straight from disk, without the index a cache instance keeps: for the HTTP worker
 * processes of OMNIC_WORKERS, which answer hits while one process converts and owns the index.
 * Only results small enough to be held in memory are returned; anything else is left to the owning process.
 */
export function createResultReader(dir: string) {
  const { dataPath, metaPath } = objectPaths(dir);
  return async (key: string): Promise<CacheHit | undefined> => {
    try {
      const meta = JSON.parse(await readFile(metaPath(key), 'utf8')) as CacheMeta;
      if (meta.layer !== 'result' || !meta.ref) return undefined;
      const file = dataPath(meta.ref);
      const info = await stat(file);
      if (info.size > HOT_ENTRY_BYTES) return undefined;
      const body = await readFile(file);
      return { key, objectKey: meta.ref, file, size: body.length, meta, body };
    } catch {
      return undefined; // not there (yet), or removed meanwhile: the converting process answers
    }
  };
}

async function sweepTemp(tmpRoot: string): Promise<void> {
  const entries = await readdir(tmpRoot).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = Number(name.split('-')[0]);
    if (pid && pid !== process.pid && isAlive(pid)) continue;
    await rm(join(tmpRoot, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads every entry's metadata, oldest first, and drops data files whose metadata never landed. */
async function scan(objects: string): Promise<{ key: string; meta: CacheMeta }[]> {
  const found: { key: string; meta: CacheMeta; mtime: number }[] = [];
  for (const shard of await readdir(objects)) {
    const dir = join(objects, shard);
    const names = await readdir(dir).catch(() => [] as string[]);
    const metas = new Set(names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
    for (const name of names) {
      if (name.endsWith('.json')) continue;
      if (!metas.has(name)) await unlink(join(dir, name)).catch(() => {});
    }
    for (const key of metas) {
      try {
        const file = join(dir, `${key}.json`);
        const meta = JSON.parse(await readFile(file, 'utf8')) as CacheMeta;
        found.push({ key, meta, mtime: (await stat(file)).mtimeMs });
      } catch {
        await rm(join(dir, `${key}.json`), { force: true });
      }
    }
  }
  return found.sort((a, b) => a.mtime - b.mtime);
}
