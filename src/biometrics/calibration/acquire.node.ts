// Reads each image of a labelled set once, hashes it and runs it through a caller-given pipeline (the
// production engine); results can be cached on disk by image sha256 and pipeline key so reruns are fast.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assert } from '../../shared/assert.ts';
import {
  calibrationCacheBytesMax,
  calibrationImageBytesMax,
  calibrationImagesMax,
} from '../../shared/limits.ts';
import { ImageInputError } from '../errors.ts';
import type { DecodedImage } from '../image-decode.node.ts';
import { decodeImage } from '../image-decode.node.ts';

/** One image's outcome: descriptors (one per embedder, unit length) or why no usable face was found. */
export type Acquisition =
  | { readonly ok: true; readonly descriptors: readonly Float32Array[] }
  | { readonly ok: false; readonly reason: string };

export type Embed = (image: DecodedImage) => Promise<Acquisition>;

export interface AcquiredImage {
  readonly sha256: string;
  readonly acquisition: Acquisition;
}

export interface AcquireOptions {
  root: string;
  /** Paths relative to `root`, each read once. */
  images: readonly string[];
  embed: Embed;
  /** Names everything that shapes the result (model ids, engine options); part of the cache key. */
  pipelineKey: string;
  /** Where to keep results between runs; null for no cache. */
  cacheFile: string | null;
  onProgress?: (done: number, total: number) => void;
}

export interface AcquireResult {
  images: Map<string, AcquiredImage>;
  cacheHits: number;
}

const cacheVersion = 1;

interface CacheFile {
  version: number;
  pipelineKey: string;
  /** sha256 -> base64 descriptors, or the failure reason. */
  entries: Record<string, { d: string[] } | { reason: string }>;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The first face's descriptor of each image read (null where none was acquired): what pairs score. */
export function firstDescriptorOf(acquired: AcquireResult): (image: string) => Float32Array | null {
  return (image) => {
    const entry = acquired.images.get(image)?.acquisition;
    return entry?.ok === true ? (entry.descriptors[0] ?? null) : null;
  };
}

export async function acquireImages(options: AcquireOptions): Promise<AcquireResult> {
  assert(options.images.length <= calibrationImagesMax, 'too many images for one run');
  const cache = await readCache(options.cacheFile, options.pipelineKey);
  const images = new Map<string, AcquiredImage>();
  let cacheHits = 0;
  for (const [index, relative] of options.images.entries()) {
    const bytes = await readImageBytes(options.root, relative);
    const sha256 = sha256Hex(bytes);
    const cached = cache.entries[sha256];
    let acquisition: Acquisition;
    if (cached === undefined) {
      acquisition = await acquireOne(bytes, options.embed);
      cache.entries[sha256] = toCacheEntry(acquisition);
    } else {
      acquisition = fromCacheEntry(cached);
      cacheHits += 1;
    }
    images.set(relative, { sha256, acquisition });
    options.onProgress?.(index + 1, options.images.length);
  }
  if (options.cacheFile !== null && cacheHits < options.images.length) {
    await writeCache(options.cacheFile, cache);
  }
  return { images, cacheHits };
}

/** Resolves `relative` under `root` and refuses to leave it; a missing file is an error, not a failure to acquire. */
async function readImageBytes(root: string, relative: string): Promise<Uint8Array> {
  const file = path.resolve(root, relative);
  assert(file.startsWith(path.resolve(root) + path.sep), `${relative} must stay inside ${root}`);
  const info = await stat(file);
  if (info.size > calibrationImageBytesMax) return new Uint8Array(0);
  return new Uint8Array(await readFile(file));
}

async function acquireOne(bytes: Uint8Array, embed: Embed): Promise<Acquisition> {
  if (bytes.byteLength === 0) return { ok: false, reason: 'image_empty_or_too_large' };
  let image: DecodedImage;
  try {
    image = await decodeImage(bytes);
  } catch (error) {
    if (error instanceof ImageInputError) return { ok: false, reason: error.code };
    throw error;
  }
  return embed(image);
}

function toCacheEntry(acquisition: Acquisition): { d: string[] } | { reason: string } {
  if (!acquisition.ok) return { reason: acquisition.reason };
  return {
    d: acquisition.descriptors.map((descriptor) =>
      Buffer.from(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength).toString(
        'base64',
      ),
    ),
  };
}

function fromCacheEntry(entry: { d: string[] } | { reason: string }): Acquisition {
  if ('reason' in entry) return { ok: false, reason: entry.reason };
  return {
    ok: true,
    descriptors: entry.d.map((text) => {
      const bytes = Buffer.from(text, 'base64');
      assert(bytes.byteLength % 4 === 0 && bytes.byteLength > 0, 'a cached descriptor is float32');
      return new Float32Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
    }),
  };
}

async function readCache(file: string | null, pipelineKey: string): Promise<CacheFile> {
  const empty: CacheFile = { version: cacheVersion, pipelineKey, entries: {} };
  if (file === null) return empty;
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > calibrationCacheBytesMax) return empty;
    text = await readFile(file, 'utf8');
  } catch {
    return empty;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    const valid =
      parsed.version === cacheVersion &&
      parsed.pipelineKey === pipelineKey &&
      typeof parsed.entries === 'object' &&
      parsed.entries !== null;
    return valid ? { version: cacheVersion, pipelineKey, entries: parsed.entries ?? {} } : empty;
  } catch {
    return empty;
  }
}

/** Written to a temporary name and renamed, so an interrupted run never leaves a torn cache. */
async function writeCache(file: string, cache: CacheFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(cache));
  await rename(temporary, file);
}

/** A file-name-safe cache path for one pipeline key under `dir`. */
export function cacheFileFor(dir: string, pipelineKey: string): string {
  return path.join(dir, `descriptors-${pipelineKey.replace(/[^a-z0-9_.-]/gi, '_')}.json`);
}
