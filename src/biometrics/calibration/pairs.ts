// Reads a labelled pairs file (`img_a,img_b,label,subset`: label 1 = same person, 0 = different) into typed
// pairs, refusing anything malformed; the one parser calibration, comparison and evaluation share.

import { calibrationPairsMax } from '../../shared/limits.ts';

export interface LabelledPair {
  /** Image paths relative to the data root, `<identity>/<n>.jpg`. */
  readonly imgA: string;
  readonly imgB: string;
  readonly genuine: boolean;
  readonly subset: string;
}

export class PairsFileError extends Error {
  override name = 'PairsFileError';
}

const header = ['img_a', 'img_b', 'label', 'subset'];
const subsetPattern = /^[a-z0-9_-]{1,64}$/i;

export function parsePairsCsv(text: string): LabelledPair[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const [first, ...rows] = lines;
  if (first === undefined || first.split(',').join(',') !== header.join(',')) {
    throw new PairsFileError(`the first line must be ${header.join(',')}`);
  }
  if (rows.length > calibrationPairsMax) {
    throw new PairsFileError(`${rows.length} pairs > ${calibrationPairsMax}`);
  }
  return rows.map((row, index) => parseRow(row, index + 2));
}

function parseRow(row: string, lineNumber: number): LabelledPair {
  const fields = row.split(',').map((field) => field.trim());
  const [imgA, imgB, label, subset] = fields;
  if (fields.length !== 4 || imgA === undefined || imgB === undefined || subset === undefined) {
    throw new PairsFileError(`line ${lineNumber}: 4 fields expected`);
  }
  if (label !== '0' && label !== '1') {
    throw new PairsFileError(`line ${lineNumber}: label must be 0 or 1`);
  }
  if (!subsetPattern.test(subset)) {
    throw new PairsFileError(`line ${lineNumber}: bad subset name`);
  }
  for (const image of [imgA, imgB]) {
    if (!isSafeRelativePath(image)) {
      throw new PairsFileError(`line ${lineNumber}: ${image} is not a relative image path`);
    }
  }
  return { imgA, imgB, genuine: label === '1', subset };
}

/** Keeps every image inside the data root: no absolute paths, no `..`, no empty segments. */
function isSafeRelativePath(image: string): boolean {
  if (image === '' || image.startsWith('/') || image.includes('\\')) return false;
  return image.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** Every image the pairs name, once each, sorted (so work and hashes never depend on file order). */
export function pairImages(pairs: readonly LabelledPair[]): string[] {
  const images = new Set<string>();
  for (const pair of pairs) {
    images.add(pair.imgA);
    images.add(pair.imgB);
  }
  return [...images].sort();
}

export function pairSubsets(pairs: readonly LabelledPair[]): string[] {
  return [...new Set(pairs.map((pair) => pair.subset))].sort();
}
