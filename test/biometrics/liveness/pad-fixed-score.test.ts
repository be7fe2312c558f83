// The protocol for an unfitted score on synthetic groups whose answers are known: every presentation
// scored once, at thresholds (and a sign) that only its fold's training groups decided.
import { describe, expect, it } from 'vitest';
import type { PadCvSample } from '../../../src/biometrics/liveness/pad-cv.ts';
import { ratesOf } from '../../../src/biometrics/liveness/pad-cv.ts';
import { fixedScoreCrossValidation } from '../../../src/biometrics/liveness/pad-fixed-score.ts';

const targets = { apcerMax: 0.05, refuseBpcerMax: 0.02 };

// Two domains of four groups; live scores sit above attacks with a per-group offset; one null.
function synthetic(): { samples: PadCvSample[]; scores: (number | null)[] } {
  const samples: PadCvSample[] = [];
  const scores: (number | null)[] = [];
  for (const domain of ['print', 'replay']) {
    for (let g = 0; g < 4; g++) {
      for (let i = 0; i < 12; i++) {
        const live = i % 2 === 0;
        scores.push((live ? 0.7 : 0.3) + (((i * 7 + g * 3) % 11) / 11 - 0.5) * 0.3 + g * 0.01);
        samples.push({ group: `${domain}:${g}`, domain, live, index: samples.length });
      }
    }
  }
  scores[5] = null;
  return { samples, scores };
}

describe('fixedScoreCrossValidation', () => {
  it('scores every presentation once, from the fold that held its group out', () => {
    const { samples, scores } = synthetic();
    const folds = fixedScoreCrossValidation(samples, scores, {
      name: 'net',
      targets,
      orientOnTraining: false,
    });
    expect(folds).toHaveLength(8);
    const scored = folds.flatMap((f) => f.scored);
    expect(scored.map((s) => s.sample.index).sort((a, b) => a - b)).toEqual(
      samples.map((s) => s.index),
    );
    for (const fold of folds) {
      expect(fold.scored.every((s) => s.sample.group === fold.testGroups[0])).toBe(true);
      expect(Object.keys(fold.choice.domainPoints).sort()).toEqual(['print', 'replay']);
    }
    const rates = ratesOf(scored);
    expect(rates.failedToAcquire).toBe(1);
    expect(rates.auc).toBe(1);
    // Separable scores: every live face clears thresholds that the training groups' attacks set.
    expect(rates.bpcer).toBe(0);
  });

  it("sets a fold's thresholds from its training groups only", () => {
    const { samples, scores } = synthetic();
    const options = { name: 'net', targets, orientOnTraining: false };
    const before = fixedScoreCrossValidation(samples, scores, options);
    // Every attack of print:0 now scores 0.99: only the fold that holds print:0 out must not move.
    const changed = scores.map((s, i) =>
      samples[i]?.group === 'print:0' && samples[i]?.live === false ? 0.99 : s,
    );
    const after = fixedScoreCrossValidation(samples, changed, options);
    for (const [k, fold] of before.entries()) {
      const same = fold.testGroups[0] === 'print:0';
      expect(after[k]?.choice.point).toEqual(same ? fold.choice.point : expect.anything());
      if (!same) expect(after[k]?.choice.point).not.toEqual(fold.choice.point);
    }
    const held = after.find((f) => f.testGroups[0] === 'print:0');
    expect(held?.scored.filter((s) => !s.sample.live && s.score === 0.99)).toHaveLength(6);
  });

  it('flips a score whose training groups rank attacks higher, only when asked', () => {
    const { samples, scores } = synthetic();
    const inverted = scores.map((s) => (s === null ? null : 1 - s));
    const kept = fixedScoreCrossValidation(samples, inverted, {
      name: 'net',
      targets,
      orientOnTraining: false,
    });
    const flipped = fixedScoreCrossValidation(samples, inverted, {
      name: 'net',
      targets,
      orientOnTraining: true,
    });
    expect(ratesOf(kept.flatMap((f) => f.scored)).auc).toBe(0);
    expect(ratesOf(flipped.flatMap((f) => f.scored)).auc).toBe(1);
    expect(flipped.every((f) => f.choice.candidate.name === 'net (flipped)')).toBe(true);
  });
});
