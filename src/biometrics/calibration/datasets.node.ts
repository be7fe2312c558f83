// The labelled face data calibration and evaluation read: several roots laid out like ../shared/data/faces
// (pairs.csv, masks.csv), their image paths made relative to one common parent so people never collide.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from './acquire.node.ts';
import { maskSplitPairs, parseMasksCsv } from './masks.ts';
import type { LabelledPair } from './pairs.ts';
import { parsePairsCsv } from './pairs.ts';

/** Subsets whose pairs are also split by who wears a mask (each root's masks.csv labels them). */
export const maskedSubsets = ['mfr2', 'mask_positions'];
/** faces2/README: these two may be the same woman (or sisters), so they never sit in different folds. */
export const linkedIdentities = [['faces2/selfie_61dc1b5f', 'faces2/selfie_61dc1b75']];

/** Where calibration and evaluation keep descriptors between runs (by image sha256 and pipeline key). */
export const descriptorCacheDir = path.resolve(import.meta.dirname, '../../../.facepay/cache');

/** Every labelled root of the shared data: the people calibration fits and cross-validates on. */
export function calibrationRoots(dataRoot: string): string[] {
  return [path.join(dataRoot, 'faces'), path.join(dataRoot, 'faces2')];
}

export interface LoadedPairs {
  /** Common parent of the roots; every image path below is relative to it (`faces2/<identity>/<n>.jpg`). */
  base: string;
  pairs: LabelledPair[];
  maskGroups: LabelledPair[];
  sources: { name: string; pairsSha256: string; text: string }[];
}

export async function loadPairs(roots: readonly string[]): Promise<LoadedPairs> {
  const base = path.dirname(roots[0] ?? '.');
  if (roots.some((root) => path.dirname(root) !== base)) {
    throw new Error('every --root must be in the same parent folder');
  }
  const pairs: LabelledPair[] = [];
  const maskGroups: LabelledPair[] = [];
  const sources: LoadedPairs['sources'] = [];
  for (const root of roots) {
    const name = path.basename(root);
    const text = await readFile(path.join(root, 'pairs.csv'), 'utf8');
    const rootPairs = parsePairsCsv(text).map((pair) => ({
      ...pair,
      imgA: `${name}/${pair.imgA}`,
      imgB: `${name}/${pair.imgB}`,
    }));
    pairs.push(...rootPairs);
    sources.push({ name, pairsSha256: sha256Hex(text), text });
    const masked = await readMasks(path.join(root, 'masks.csv'), name);
    for (const subset of maskedSubsets) {
      if (rootPairs.some((pair) => pair.subset === subset)) {
        maskGroups.push(...maskSplitPairs(rootPairs, subset, masked));
      }
    }
  }
  return { base, pairs, maskGroups, sources };
}

async function readMasks(file: string, name: string): Promise<Map<string, boolean>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return new Map();
  }
  return new Map([...parseMasksCsv(text)].map(([image, masked]) => [`${name}/${image}`, masked]));
}

/**
 * A manifest of the shared data (`manifest.csv`, `capture.csv`: plain comma-separated, a header line, no
 * quoting) as one record per row keyed by column name; the columns the caller needs must be there.
 */
export async function readDataCsv(
  file: string,
  required: readonly string[],
): Promise<Record<string, string>[]> {
  const [header, ...rows] = (await readFile(file, 'utf8')).trim().split(/\r?\n/);
  const columns = (header ?? '').split(',');
  const missing = required.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new Error(`${file}: no column ${missing.join(', ')}`);
  return rows.map((row) => {
    const fields = row.split(',');
    return Object.fromEntries(columns.map((column, index) => [column, fields[index] ?? '']));
  });
}
