import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/biometrics/match/gallery.ts';
import { randomUnitVector, seededRandom } from './random-vectors.ts';

// Random sequences of adds, removals, erasures and searches against a brute-force model (STYLE.md 9).
const dimension = 16;

type Op =
  | { kind: 'add'; person: number; seed: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'erase'; person: number }
  | { kind: 'search'; seed: number; k: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), person: fc.nat(40), seed: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('erase' as const), person: fc.nat(40) }),
  fc.record({
    kind: fc.constant('search' as const),
    seed: fc.nat(),
    k: fc.integer({ min: 1, max: 8 }),
  }),
);

/** What the gallery stores: the unit vector computed in float64, rounded to float32. */
function unitFloat64(v: Float32Array): Float64Array {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return Float64Array.from(v, (x) => x / norm);
}

function modelSearch(
  model: Map<string, { person: string; row: Float32Array }>,
  probe: Float32Array,
) {
  const best = new Map<string, number>();
  const q = unitFloat64(probe);
  for (const { person, row } of model.values()) {
    let score = 0;
    for (let j = 0; j < dimension; j++) score += (row[j] ?? 0) * (q[j] ?? 0);
    best.set(person, Math.max(best.get(person) ?? -Infinity, score));
  }
  return [...best.values()].sort((a, b) => b - a);
}

describe('gallery against a model', () => {
  it.each([
    { screening: true, simd: true },
    { screening: true, simd: false },
    { screening: false, simd: false },
  ])(
    'agrees on random operation sequences (screening $screening, simd $simd)',
    ({ screening, simd }) => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
          const gallery = new Gallery({ dimension, screening, simd, capacity: 4 });
          const model = new Map<string, { person: string; row: Float32Array }>();
          // Preload past the screening threshold so both code paths run.
          const preload = seededRandom(ops.length);
          let next = 0;
          const add = (person: string, template: Float32Array): void => {
            const templateId = `t${next++}`;
            expect(gallery.add({ templateId, personId: person, template }).ok).toBe(true);
            model.set(templateId, { person, row: Float32Array.from(unitFloat64(template)) });
          };
          for (let i = 0; i < 300; i++) add(`bulk${i % 150}`, randomUnitVector(preload, dimension));
          for (const step of ops) {
            if (step.kind === 'add')
              add(`p${step.person}`, randomUnitVector(seededRandom(step.seed), dimension));
            if (step.kind === 'remove' && model.size > 0) {
              const ids = [...model.keys()];
              const id = ids[step.pick % ids.length] ?? '';
              expect(gallery.remove(id)).toBe(true);
              model.delete(id);
            }
            if (step.kind === 'erase') {
              const person = `p${step.person}`;
              const ids = [...model].filter(([, v]) => v.person === person).map(([id]) => id);
              expect(gallery.removePerson(person)).toBe(ids.length);
              for (const id of ids) model.delete(id);
            }
            if (step.kind === 'search') {
              const probe = randomUnitVector(seededRandom(step.seed), dimension);
              const expected = modelSearch(model, probe);
              const result = gallery.search(probe, step.k);
              const scores = result.candidates.map((c) => c.score);
              expect(scores.length).toBe(Math.min(step.k, expected.length));
              scores.forEach((s, i) =>
                expect(Math.abs(s - (expected[i] ?? NaN))).toBeLessThan(1e-9),
              );
              const margin = expected.length >= 2 ? (expected[0] ?? 0) - (expected[1] ?? 0) : null;
              if (margin === null) expect(result.margin).toBeNull();
              else expect(Math.abs((result.margin ?? NaN) - margin)).toBeLessThan(1e-9);
            }
            expect(gallery.size).toBe(model.size);
          }
          gallery.clear();
          expect(gallery.size).toBe(0);
          expect(gallery.search(randomUnitVector(preload, dimension), 3).candidates).toEqual([]);
        }),
        { numRuns: 40, seed: 20_260_115 },
      );
    },
  );
});
