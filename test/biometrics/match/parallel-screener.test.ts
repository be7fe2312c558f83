import { afterAll, describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import { Gallery } from '../../../src/biometrics/match/gallery.ts';
import { ParallelScreener } from '../../../src/biometrics/match/parallel-screener.node.ts';
import { perturbed, randomUnitVector, seededRandom } from './random-vectors.ts';

const dimension = 128;
const screener = new ParallelScreener({ threads: 3 });

afterAll(async () => {
  await screener.close();
});

describe('parallel screener', () => {
  it('gives exactly the in-thread answer, across growth and removals', () => {
    const random = seededRandom(80);
    // Small initial capacity: the shared arrays are replaced several times while adding.
    const parallel = new Gallery({ dimension, capacity: 64, screener });
    const single = new Gallery({ dimension, capacity: 64, simd: false });
    const faces: Float32Array[] = [];
    for (let i = 0; i < 40_001; i++) {
      const template = randomUnitVector(random, dimension);
      faces.push(template);
      const entry = { templateId: `t${i}`, personId: `p${i % 30_000}`, template };
      parallel.add(entry);
      single.add(entry);
    }
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 6; i++) {
        const probe =
          i % 2 === 0
            ? randomUnitVector(random, dimension)
            : perturbed(random, faces[(i * 977 + round) % faces.length]!, 0.3);
        expect(parallel.search(probe, 5)).toEqual(single.search(probe, 5));
      }
      for (let i = 0; i < 5_000; i++) {
        const id = `t${round * 5_000 + i}`;
        expect(parallel.remove(id)).toBe(single.remove(id));
      }
    }
  });

  it('refuses use after close and fewer than two threads', async () => {
    const doomed = new ParallelScreener({ threads: 2 });
    await doomed.close();
    const gallery = new Gallery({ dimension, screener: doomed });
    const random = seededRandom(81);
    for (let i = 0; i < 300; i++) {
      gallery.add({ templateId: `t${i}`, personId: 'p', template: randomUnitVector(random, 128) });
    }
    expect(() => gallery.search(randomUnitVector(random, 128), 1)).toThrow(AssertionError);
    expect(() => new ParallelScreener({ threads: 1 })).toThrow(AssertionError);
  });
});
