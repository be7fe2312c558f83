// Growing the gallery copies its arrays into larger ones: the ones it drops held templates (and values
// derived from them) and are zeroed, as clear() and a removed row are, not left in freed memory.
import { describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/biometrics/match/gallery.ts';
import { randomUnitVector, seededRandom } from './random-vectors.ts';

const dimension = 128;

describe('gallery growth', () => {
  for (const kernel of [
    { screening: true, simd: true },
    { screening: true, simd: false },
    { screening: false, simd: false },
  ]) {
    it(`zeroes every array it replaces (screening ${kernel.screening}, simd ${kernel.simd})`, () => {
      const random = seededRandom(7);
      const gallery = new Gallery({ dimension, capacity: 4, ...kernel });
      for (let i = 0; i < 4; i++) {
        const added = gallery.add({
          templateId: `t${i}`,
          personId: `p${i}`,
          template: randomUnitVector(random, dimension),
        });
        expect(added.ok).toBe(true);
      }
      const before = gallery.dangerousTestOnlyTemplateBuffers();
      const bytes = (view: ArrayBufferView) =>
        new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      // Something of the templates is in them now: the check below is not vacuous.
      expect(before.some((view) => bytes(view).some((b) => b !== 0))).toBe(true);
      expect(bytes(before[0] as ArrayBufferView).some((b) => b !== 0)).toBe(true);

      const probe = randomUnitVector(random, dimension);
      expect(gallery.add({ templateId: 't4', personId: 'p4', template: probe }).ok).toBe(true);
      for (const [index, view] of before.entries()) {
        expect(
          bytes(view).every((b) => b === 0),
          `buffer ${index}`,
        ).toBe(true);
      }
      // Nothing was lost by the zeroing: every template is still found.
      expect(gallery.size).toBe(5);
      expect(gallery.search(probe, 1).candidates[0]?.personId).toBe('p4');
    });
  }
});
