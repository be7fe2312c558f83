import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import { Gallery } from '../../../src/biometrics/match/gallery.ts';
import type { GallerySearchResult } from '../../../src/biometrics/match/gallery.ts';
import { perturbed, randomUnitVector, seededRandom } from './random-vectors.ts';

interface Entry {
  templateId: string;
  personId: string;
  template: Float32Array;
}

const unitRows = new WeakMap<Float32Array, Float32Array>();

/** The float32 unit row the gallery stores for a template. */
function unitRow(template: Float32Array): Float32Array {
  let row = unitRows.get(template);
  if (row === undefined) {
    const norm = Math.sqrt(template.reduce((s, v) => s + v * v, 0));
    row = Float32Array.from(template, (v) => v / norm);
    unitRows.set(template, row);
  }
  return row;
}

/** Brute force over every template: the model the gallery must agree with. */
function reference(entries: readonly Entry[], probe: Float32Array, k: number) {
  const qn = Math.sqrt(probe.reduce((s, v) => s + v * v, 0));
  const q = Float64Array.from(probe, (v) => v / qn);
  const best = new Map<string, { templateId: string; score: number }>();
  for (const entry of entries) {
    const row = unitRow(entry.template);
    let score = 0;
    for (let j = 0; j < row.length; j++) score += (row[j] ?? 0) * (q[j] ?? 0);
    const current = best.get(entry.personId);
    if (current === undefined || score > current.score) {
      best.set(entry.personId, { templateId: entry.templateId, score });
    }
  }
  const ranked = [...best.entries()]
    .map(([personId, v]) => ({ personId, ...v }))
    .sort((a, b) => b.score - a.score);
  const margin = ranked.length >= 2 ? ranked[0]!.score - ranked[1]!.score : null;
  return { candidates: ranked.slice(0, k), margin };
}

function expectAgrees(actual: GallerySearchResult, expected: ReturnType<typeof reference>) {
  expect(actual.candidates.map((c) => [c.personId, c.templateId])).toEqual(
    expected.candidates.map((c) => [c.personId, c.templateId]),
  );
  actual.candidates.forEach((c, i) => {
    expect(Math.abs(c.score - expected.candidates[i]!.score)).toBeLessThan(1e-9);
  });
  if (expected.margin === null) expect(actual.margin).toBeNull();
  else expect(Math.abs((actual.margin ?? Number.NaN) - expected.margin)).toBeLessThan(1e-9);
}

function makeEntries(seed: number, persons: number, perPerson: number, dimension: number) {
  const random = seededRandom(seed);
  const entries: Entry[] = [];
  const faces: Float32Array[] = [];
  for (let p = 0; p < persons; p++) {
    const face = randomUnitVector(random, dimension);
    faces.push(face);
    for (let t = 0; t < perPerson; t++) {
      // Not unit length on purpose: the gallery normalises.
      const template = perturbed(random, face, 0.5).map((v) => v * (1 + random()));
      entries.push({ templateId: `t${p}_${t}`, personId: `p${p}`, template });
    }
  }
  return { entries, faces, random };
}

describe.each([
  { screening: true, simd: true, dimension: 128 },
  { screening: true, simd: false, dimension: 128 },
  { screening: false, simd: true, dimension: 128 },
  { screening: true, simd: true, dimension: 512 },
  { screening: true, simd: false, dimension: 512 },
  { screening: true, simd: true, dimension: 36 },
])(
  'gallery (screening $screening, simd $simd, dimension $dimension)',
  ({ screening, simd, dimension }) => {
    it('agrees with brute force on random data: top-k persons, scores and margin', () => {
      const { entries, faces, random } = makeEntries(30 + dimension, 1001, 3, dimension);
      const gallery = new Gallery({ dimension, screening, simd, capacity: 16 });
      expect(gallery.screenKernel).toBe(!screening ? 'none' : simd ? 'wasm-simd' : 'js-pairs');
      for (const entry of entries) expect(gallery.add(entry).ok).toBe(true);
      expect(gallery.size).toBe(3003);
      expect(gallery.personCount).toBe(1001);
      for (let i = 0; i < 30; i++) {
        const k = [1, 2, 5, 10, 100][i % 5]!;
        const probe =
          i % 3 === 0
            ? randomUnitVector(random, dimension)
            : perturbed(random, faces[(i * 37) % faces.length]!, i % 2 === 0 ? 0.3 : 1.2);
        const result = gallery.search(probe, k);
        expectAgrees(result, reference(entries, probe, k));
        if (screening) expect(result.rowsScoredExactly).toBeLessThan(entries.length / 4);
        else expect(result.rowsScoredExactly).toBe(entries.length);
      }
    });

    it('stays exact after removals (swap with last), person erasure and re-adds', () => {
      const { entries, random } = makeEntries(40 + dimension, 400, 2, dimension);
      const gallery = new Gallery({ dimension, screening, simd });
      for (const entry of entries) gallery.add(entry);
      let live = [...entries];
      for (let step = 0; step < 200; step++) {
        const victim = live[Math.floor(random() * live.length)]!;
        expect(gallery.remove(victim.templateId)).toBe(true);
        expect(gallery.remove(victim.templateId)).toBe(false);
        live = live.filter((e) => e !== victim);
      }
      const erased = live[0]!.personId;
      const expectedRemoved = live.filter((e) => e.personId === erased).length;
      expect(gallery.removePerson(erased)).toBe(expectedRemoved);
      expect(gallery.removePerson(erased)).toBe(0);
      live = live.filter((e) => e.personId !== erased);
      const readded = entries
        .filter((e) => !live.includes(e) && e.personId !== erased)
        .slice(0, 50);
      for (const entry of readded) gallery.add(entry);
      live.push(...readded);
      expect(gallery.size).toBe(live.length);
      for (const entry of live) expect(gallery.has(entry.templateId)).toBe(true);
      for (let i = 0; i < 20; i++) {
        const probe =
          i % 2 === 0
            ? randomUnitVector(random, dimension)
            : perturbed(random, live[i * 7]!.template, 0.4);
        const result = gallery.search(probe, 5);
        expectAgrees(result, reference(live, probe, 5));
        expect(result.candidates.some((c) => c.personId === erased)).toBe(false);
      }
    });
  },
);

describe('gallery edges', () => {
  const dimension = 128;

  it('answers an empty gallery, a single person and identical templates', () => {
    const random = seededRandom(50);
    const gallery = new Gallery({ dimension });
    const probe = randomUnitVector(random, dimension);
    expect(gallery.search(probe, 3)).toEqual({
      candidates: [],
      margin: null,
      rowsScoredExactly: 0,
    });
    const face = randomUnitVector(random, dimension);
    gallery.add({ templateId: 'a1', personId: 'a', template: face });
    gallery.add({ templateId: 'a2', personId: 'a', template: perturbed(random, face, 0.2) });
    const one = gallery.search(face, 3);
    expect(one.candidates.map((c) => c.personId)).toEqual(['a']);
    expect(one.candidates[0]?.templateId).toBe('a1');
    expect(one.candidates[0]?.score).toBeCloseTo(1, 6);
    expect(one.margin).toBeNull();
    gallery.add({ templateId: 'b1', personId: 'b', template: face });
    const twins = gallery.search(face, 2);
    expect(twins.margin).toBeCloseTo(0, 12);
  });

  it.each([true, false])('stays exact on spiky and sparse templates (simd %s)', (simd) => {
    const random = seededRandom(53);
    const entries: Entry[] = [];
    for (let i = 0; i < 1500; i++) {
      const template = new Float32Array(dimension);
      if (i % 3 === 0) template[i % dimension] = 1; // one-hot: max component 1
      if (i % 3 === 1) {
        for (let j = 0; j < 3; j++) template[(i * 7 + j * 31) % dimension] = random() - 0.5;
      }
      if (i % 3 === 2) template.set(randomUnitVector(random, dimension));
      // Never all zero, and never two identical directions (ties have no defined order).
      for (const at of [(i * 13) % dimension, (i * 17 + 5) % dimension]) {
        template[at] = (template[at] ?? 0) + 1e-3 * (1 + random());
      }
      entries.push({ templateId: `s${i}`, personId: `sp${i % 700}`, template });
    }
    const gallery = new Gallery({ dimension, simd });
    for (const entry of entries) gallery.add(entry);
    for (let i = 0; i < 20; i++) {
      const probe = i % 2 === 0 ? entries[i * 50]!.template : randomUnitVector(random, dimension);
      expectAgrees(gallery.search(probe, 10), reference(entries, probe, 10));
    }
  });

  it('refuses templates past its limit with gallery_full', () => {
    const random = seededRandom(51);
    const gallery = new Gallery({ dimension, templatesMax: 3 });
    for (let i = 0; i < 3; i++) {
      expect(
        gallery.add({ templateId: `t${i}`, personId: 'p', template: randomUnitVector(random, 128) })
          .ok,
      ).toBe(true);
    }
    const full = gallery.add({
      templateId: 't3',
      personId: 'p',
      template: randomUnitVector(random, 128),
    });
    expect(!full.ok && full.error.code).toBe('gallery_full');
    gallery.remove('t0');
    expect(
      gallery.add({ templateId: 't3', personId: 'p', template: randomUnitVector(random, 128) }).ok,
    ).toBe(true);
  });

  it('reports memory: 5 (SIMD) or 8 (JS screen) bytes per dimension per template', () => {
    const simd = new Gallery({ dimension, capacity: 10_000 });
    const screened = new Gallery({ dimension, capacity: 10_000, simd: false });
    const plain = new Gallery({ dimension, capacity: 10_000, screening: false });
    expect(simd.memoryBytes()).toBeGreaterThanOrEqual(10_000 * (5 * dimension + 36));
    expect(simd.memoryBytes()).toBeLessThan(10_000 * (5 * dimension + 36) + 200_000);
    expect(screened.memoryBytes()).toBeGreaterThanOrEqual(10_000 * (8 * dimension + 28));
    expect(screened.memoryBytes()).toBeLessThan(10_000 * (8 * dimension + 28) + 100_000);
    expect(plain.memoryBytes()).toBeLessThan(10_000 * (4 * dimension + 28) + 100_000);
  });

  it('asserts programmer errors', () => {
    const gallery = new Gallery({ dimension });
    const template = randomUnitVector(seededRandom(52), dimension);
    gallery.add({ templateId: 't', personId: 'p', template });
    expect(() => gallery.add({ templateId: 't', personId: 'q', template })).toThrow(AssertionError);
    expect(() =>
      gallery.add({ templateId: 'u', personId: 'p', template: new Float32Array(64) }),
    ).toThrow(AssertionError);
    expect(() =>
      gallery.add({ templateId: 'u', personId: 'p', template: new Float32Array(128) }),
    ).toThrow(AssertionError);
    expect(() => gallery.search(template, 0)).toThrow(AssertionError);
    expect(() => gallery.search(template, 101)).toThrow(AssertionError);
    expect(() => new Gallery({ dimension: 130 })).toThrow(AssertionError);
  });
});
