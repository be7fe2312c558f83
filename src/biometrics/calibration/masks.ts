// Splits the masked-face subset's pairs by who wears a mask (masks.csv: `image,mask`), so calibration can
// show, and hold, that a mask does not push the false-match rate up at the operating threshold.

import type { LabelledPair } from './pairs.ts';
import { PairsFileError } from './pairs.ts';

export type MaskCategory = 'unmasked-unmasked' | 'masked-unmasked' | 'masked-masked';
export const maskCategories: readonly MaskCategory[] = [
  'unmasked-unmasked',
  'masked-unmasked',
  'masked-masked',
];
const noMask = 'no-mask';

/** Image path -> whether a mask is worn. */
export function parseMasksCsv(text: string): Map<string, boolean> {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const [first, ...rows] = lines;
  if (first?.trim() !== 'image,mask') throw new PairsFileError('masks file: header image,mask');
  const masked = new Map<string, boolean>();
  for (const [index, row] of rows.entries()) {
    const [image, mask, ...rest] = row.split(',').map((field) => field.trim());
    if (image === undefined || mask === undefined || mask === '' || rest.length > 0) {
      throw new PairsFileError(`masks file line ${index + 2}: image,mask expected`);
    }
    masked.set(image, mask !== noMask);
  }
  return masked;
}

export function maskCategory(a: boolean, b: boolean): MaskCategory {
  if (a && b) return 'masked-masked';
  return a || b ? 'masked-unmasked' : 'unmasked-unmasked';
}

/** The pairs of `subset`, each relabelled `<subset>/<category>`; an image missing from the masks file is an error. */
export function maskSplitPairs(
  pairs: readonly LabelledPair[],
  subset: string,
  masked: ReadonlyMap<string, boolean>,
): LabelledPair[] {
  return pairs
    .filter((pair) => pair.subset === subset)
    .map((pair) => {
      const a = masked.get(pair.imgA);
      const b = masked.get(pair.imgB);
      if (a === undefined || b === undefined) {
        throw new PairsFileError(`${pair.imgA} or ${pair.imgB} has no mask label`);
      }
      return { ...pair, subset: `${subset}/${maskCategory(a, b)}` };
    });
}
