// The session statistics eval:pad-session compares: each is the order statistic or average it names,
// robust where it says so, and refuses input that is no score.
import { describe, expect, it } from 'vitest';
import {
  sessionScore,
  sessionStatistics,
} from '../../../src/biometrics/liveness/session-passive.ts';

describe('sessionScore', () => {
  const scores = [0.9, 0.1, 0.8, 0.7, 0.95];

  it('median, mean and quantiles are those of the frame scores', () => {
    expect(sessionScore(scores, 'median')).toBeCloseTo(0.8, 12);
    expect(sessionScore(scores, 'mean')).toBeCloseTo(0.69, 12);
    expect(sessionScore(scores, 'quantile25')).toBeCloseTo(0.7, 12);
    expect(sessionScore(scores, 'quantile75')).toBeCloseTo(0.9, 12);
  });

  it('the trimmed mean drops a fifth at each end: one odd frame does not move it', () => {
    expect(sessionScore(scores, 'trimmed_mean')).toBeCloseTo((0.7 + 0.8 + 0.9) / 3, 12);
    expect(sessionScore([0.9, 0.9, 0.9, 0.9, 0], 'trimmed_mean')).toBeCloseTo(0.9, 12);
  });

  it('the mean logit is the sigmoid of the mean log-odds', () => {
    expect(sessionScore([0.5, 0.5], 'mean_logit')).toBeCloseTo(0.5, 12);
    const z = (Math.log(0.9 / 0.1) + Math.log(0.6 / 0.4)) / 2;
    expect(sessionScore([0.9, 0.6], 'mean_logit')).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
  });

  it('one frame is its own score under every statistic', () => {
    for (const statistic of sessionStatistics)
      expect(sessionScore([0.42], statistic)).toBeCloseTo(0.42, 12);
  });

  it('refuses no frames and scores outside [0, 1]', () => {
    expect(() => sessionScore([], 'median')).toThrow(/at least one frame/);
    expect(() => sessionScore([0.5, Number.NaN], 'mean')).toThrow(/in \[0, 1\]/);
    expect(() => sessionScore([1.2], 'median')).toThrow(/in \[0, 1\]/);
  });
});
