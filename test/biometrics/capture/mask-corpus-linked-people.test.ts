// The mask detector's folds on the real corpus of shared/data: the two selfie people the data links
// (faces2 README: selfie_61dc1b5f and selfie_61dc1b75 may be the same woman) are one group, so no fold
// fits on one of them and scores the other.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listMaskCorpus } from '../../../src/biometrics/capture/mask-corpus.node.ts';
import { groupFolds } from '../../../src/biometrics/liveness/pad-folds.ts';

const dataRoot = path.resolve(import.meta.dirname, '../../../../shared/data');
const linked = ['faces2/selfie_61dc1b5f/', 'faces2/selfie_61dc1b75/'];

describe('mask corpus folds', () => {
  it('keep the linked selfie people in one fold, whatever the number of folds', async () => {
    const samples = await listMaskCorpus(dataRoot);
    const ofLinked = samples.filter((s) => linked.some((prefix) => s.file.startsWith(prefix)));
    expect(new Set(ofLinked.map((s) => s.file.split('/')[1])).size).toBe(2);
    const groups = new Set(samples.map((s) => s.group));
    for (const k of [2, 3, 5, 10, groups.size]) {
      for (const fold of groupFolds(samples, k)) {
        const tested = ofLinked.filter((s) => fold.test.includes(s)).length;
        expect([0, ofLinked.length], `${k} folds`).toContain(tested);
      }
    }
  });
});
