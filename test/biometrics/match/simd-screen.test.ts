// The hand-assembled WebAssembly SIMD kernel against a scalar reference, the gallery on it against brute
// force, and the fallback to the JS screen when the engine refuses the module.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import { Gallery } from '../../../src/biometrics/match/gallery.ts';
import {
  SimdInt8Rows,
  kernelBytes,
  probeLevelsMaxFor,
  simdSupported,
} from '../../../src/biometrics/match/simd-screen.ts';
import { perturbed, randomUnitVector, seededRandom } from './random-vectors.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function scalarDots(store: SimdInt8Rows, levels: readonly number[], count: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < count; r++) {
    let dot = 0;
    for (let j = 0; j < store.dimension; j++) {
      dot += (store.rows[r * store.stride + j] as number) * (levels[j] as number);
    }
    out.push(dot);
  }
  return out;
}

describe('SIMD kernel', () => {
  it('is a valid module on this engine', () => {
    expect(WebAssembly.validate(kernelBytes())).toBe(true);
    expect(simdSupported()).toBe(true);
  });

  it.each([8, 16, 20, 36, 128, 132, 512, 1024])(
    'matches the scalar dot on random and extreme rows (dimension %i)',
    (dimension) => {
      const random = seededRandom(dimension);
      const count = 67;
      const store = new SimdInt8Rows({ dimension, capacity: count });
      expect(store.stride % 16).toBe(0);
      const levelsMax = probeLevelsMaxFor(store.stride);
      const int = (max: number): number => Math.round((2 * random() - 1) * max);
      for (let r = 0; r < count; r++) {
        for (let j = 0; j < dimension; j++) {
          // Rows 0..3 all +127 or all -127 (the largest sums); others random, some saturated.
          const extreme = r < 4 ? (r % 2 === 0 ? 127 : -127) : null;
          const saturated = random() < 0.2 ? (random() < 0.5 ? 127 : -127) : int(127);
          store.rows[r * store.stride + j] = extreme ?? saturated;
        }
      }
      const probes = [
        Array.from({ length: dimension }, () => levelsMax),
        Array.from({ length: dimension }, () => -levelsMax),
        Array.from({ length: dimension }, (_, j) => (j % 2 === 0 ? levelsMax : -levelsMax)),
        Array.from({ length: dimension }, () => int(levelsMax)),
        Array.from({ length: dimension }, () => int(100)),
      ];
      for (const levels of probes) {
        for (const n of [0, 1, 2, 5, count]) {
          const dots = store.screen(levels, n);
          expect(Array.from(dots.subarray(0, n))).toEqual(scalarDots(store, levels, n));
        }
      }
      // The extreme rows reach the largest magnitude without wrapping around.
      const top = store.screen(probes[0]!, 1)[0]!;
      expect(top).toBe(127 * levelsMax * dimension);
      expect(top).toBeLessThan(2 ** 31);
    },
  );

  it('keeps its rows across growth and zeroes them on clear', () => {
    const store = new SimdInt8Rows({ dimension: 128, capacity: 3 });
    for (let i = 0; i < 3 * 128; i++) store.rows[i] = (i % 255) - 127;
    const levels = Array.from({ length: 128 }, (_, j) => j - 64);
    const before = scalarDots(store, levels, 3);
    store.grow(1_000);
    expect(store.capacity).toBe(1_000);
    expect(Array.from(store.screen(levels, 3).subarray(0, 3))).toEqual(before);
    expect(Array.from(store.screen(levels, 1_000).subarray(3, 6))).toEqual([0, 0, 0]);
    store.clear();
    expect(Array.from(store.screen(levels, 3).subarray(0, 3))).toEqual([0, 0, 0]);
  });

  it('asserts its preconditions', () => {
    const store = new SimdInt8Rows({ dimension: 16, capacity: 4 });
    const levels = new Array<number>(16).fill(1);
    expect(() => store.screen(levels, 5)).toThrow(AssertionError);
    expect(() => store.screen(levels.slice(1), 1)).toThrow(AssertionError);
    expect(() => store.screen([...levels.slice(1), 40_000], 1)).toThrow(AssertionError);
    expect(() => store.screen([...levels.slice(1), 0.5], 1)).toThrow(AssertionError);
    expect(() => store.grow(2)).toThrow(AssertionError);
  });
});

describe('SIMD support detection and fallback', () => {
  it('reports no support when WebAssembly is absent, refuses the module or throws', () => {
    expect(simdSupported({ validate: () => false })).toBe(false);
    expect(
      simdSupported({
        validate: () => {
          throw new Error('no wasm');
        },
      }),
    ).toBe(false);
    expect(simdSupported({ validate: () => true })).toBe(true);
  });

  it('screens in JS, still exactly, when the engine does not validate the SIMD module', () => {
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    const fallback = new Gallery({ dimension: 128 });
    expect(validate).toHaveBeenCalled();
    expect(fallback.screenKernel).toBe('js-pairs');
    vi.restoreAllMocks();
    const simd = new Gallery({ dimension: 128 });
    const exact = new Gallery({ dimension: 128, screening: false });
    expect(simd.screenKernel).toBe('wasm-simd');
    const random = seededRandom(90);
    for (let i = 0; i < 2_000; i++) {
      const entry = {
        templateId: `t${i}`,
        personId: `p${i % 1_500}`,
        template: randomUnitVector(random, 128),
      };
      for (const gallery of [fallback, simd, exact]) gallery.add(entry);
    }
    for (let i = 0; i < 10; i++) {
      const probe = randomUnitVector(random, 128);
      const expected = exact.search(probe, 5);
      const viaFallback = fallback.search(probe, 5);
      const viaSimd = simd.search(probe, 5);
      expect(viaSimd.candidates).toEqual(viaFallback.candidates);
      expect(viaSimd.margin).toBe(viaFallback.margin);
      const ids = (r: typeof expected): string[] => r.candidates.map((c) => c.templateId);
      expect(ids(viaSimd)).toEqual(ids(expected));
      expect(Math.abs(viaSimd.margin! - expected.margin!)).toBeLessThan(1e-12);
    }
  });
});

describe('gallery on the SIMD screen against brute force', () => {
  it.each([128, 64, 200])(
    'same top-k, scores and margin over random galleries with removals (dimension %i)',
    (dimension) => {
      const random = seededRandom(100 + dimension);
      const simd = new Gallery({ dimension, capacity: 8 });
      expect(simd.screenKernel).toBe('wasm-simd');
      const live = new Map<string, { personId: string; row: Float64Array }>();
      const faces: Float32Array[] = [];
      let next = 0;
      const add = (personId: string, template: Float32Array): void => {
        const templateId = `t${next++}`;
        expect(simd.add({ templateId, personId, template }).ok).toBe(true);
        const norm = Math.hypot(...template);
        const row = Float64Array.from(Float32Array.from(template, (x) => x / norm));
        live.set(templateId, { personId, row });
      };
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 800; i++) {
          const face = randomUnitVector(random, dimension);
          faces.push(face);
          // Some near-duplicates of earlier faces (close scores) and a few one-hot rows (level 127).
          const template =
            i % 7 === 0 && faces.length > 10
              ? perturbed(random, faces[Math.floor(random() * faces.length)]!, 0.05)
              : face;
          if (i % 97 === 0) template[i % dimension] = 50;
          add(`p${Math.floor(random() * 900)}`, template);
        }
        const ids = [...live.keys()];
        for (let i = 0; i < 300; i++) {
          const id = ids[Math.floor(random() * ids.length)]!;
          if (live.delete(id)) expect(simd.remove(id)).toBe(true);
        }
        const erased = `p${round}`;
        const erasedIds = [...live].filter(([, v]) => v.personId === erased).map(([id]) => id);
        expect(simd.removePerson(erased)).toBe(erasedIds.length);
        for (const id of erasedIds) live.delete(id);
        expect(simd.size).toBe(live.size);
        for (let i = 0; i < 8; i++) {
          const k = [1, 3, 10, 50][i % 4]!;
          const probe =
            i % 2 === 0
              ? randomUnitVector(random, dimension)
              : perturbed(random, faces[Math.floor(random() * faces.length)]!, 0.2);
          const norm = Math.hypot(...probe);
          const q = Float64Array.from(probe, (x) => x / norm);
          const best = new Map<string, { templateId: string; score: number }>();
          for (const [templateId, { personId, row }] of live) {
            let score = 0;
            for (let j = 0; j < dimension; j++) score += row[j]! * q[j]!;
            if (score > (best.get(personId)?.score ?? -Infinity)) {
              best.set(personId, { templateId, score });
            }
          }
          const ranked = [...best].sort((a, b) => b[1].score - a[1].score);
          const result = simd.search(probe, k);
          expect(result.candidates.map((c) => [c.personId, c.templateId])).toEqual(
            ranked.slice(0, k).map(([personId, v]) => [personId, v.templateId]),
          );
          result.candidates.forEach((c, at) => {
            expect(Math.abs(c.score - ranked[at]![1].score)).toBeLessThan(1e-9);
          });
          const margin = ranked[0]![1].score - ranked[1]![1].score;
          expect(Math.abs(result.margin! - margin)).toBeLessThan(1e-9);
          expect(result.rowsScoredExactly).toBeLessThan(live.size / 4);
        }
      }
      simd.clear();
      expect(simd.search(randomUnitVector(random, dimension), 3).candidates).toEqual([]);
    },
  );
});
