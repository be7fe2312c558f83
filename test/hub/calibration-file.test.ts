// The hub's reading of a thresholds file (loadCalibration): the metric and the dimension are required, and a
// threshold must lie in its metric's range.
//
// Found in review: a file without `metric` was read as a euclidean distance, so {threshold: 0.9639} (a cosine
// similarity, as the kiosk and the calibration read it) matched at cosine 0.5355; a cosine threshold
// outside [-1, 1] was taken, and a missing dimension read as 128 whatever the model.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCalibration } from '../../src/hub/identity/calibration.ts';
import { defaultCalibrationFile } from '../../src/hub/hub.ts';
import { scratchDir } from './helpers.ts';

function file(content: Record<string, unknown>): string {
  const path = join(scratchDir('facepay-cal-'), 'thresholds.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

const modelId = 'test-face-model-v1';

describe('loadCalibration', () => {
  it('refuses a file without a metric, naming the file and the field', () => {
    const path = file({ modelId, threshold: 0.9639, dimension: 128 });
    expect(() => loadCalibration(path)).toThrow(path);
    expect(() => loadCalibration(path)).toThrow(/metric/);
  });

  it('refuses a threshold out of its metric range, the face-only points too', () => {
    const cosine = file({ modelId, metric: 'cosine', threshold: 1.5, dimension: 128 });
    expect(() => loadCalibration(cosine)).toThrow(/threshold: a cosine threshold is in \[-1, 1\]/);
    const distance = file({ modelId, metric: 'euclidean', threshold: 2.5, dimension: 128 });
    expect(() => loadCalibration(distance)).toThrow(/threshold/);
    const point = file({
      modelId,
      metric: 'cosine-similarity',
      threshold: 0.6,
      dimension: 128,
      faceOnlyPoints: [{ threshold: -3, fmr: 0.0001 }],
    });
    expect(() => loadCalibration(point)).toThrow(/faceOnlyPoints\.0\.threshold/);
  });

  it('refuses a missing or implausible dimension', () => {
    const missing = file({ modelId, metric: 'cosine', threshold: 0.6 });
    expect(() => loadCalibration(missing)).toThrow(/dimension/);
    const tiny = file({ modelId, metric: 'cosine', threshold: 0.6, dimension: 2 });
    expect(() => loadCalibration(tiny)).toThrow(/dimension/);
    const fractional = file({ modelId, metric: 'cosine', threshold: 0.6, dimension: 127.5 });
    expect(() => loadCalibration(fractional)).toThrow(/dimension/);
  });

  it('reads an explicit metric: a euclidean distance becomes the cosine it stands for', () => {
    const distance = file({ modelId, metric: 'euclidean', threshold: 0.6, dimension: 256 });
    const read = loadCalibration(distance);
    expect(read.threshold).toBeCloseTo(0.82, 10);
    expect(read.dimension).toBe(256);
  });

  it('reads the shipped models/thresholds.json as the cosine similarity it records', () => {
    const read = loadCalibration(defaultCalibrationFile);
    expect(read.threshold).toBe(0.9639);
    expect(read.dimension).toBe(128);
    expect(read.modelId).toMatch(/^faceapi-recognition-128-/);
  });
});
