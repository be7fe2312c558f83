// The face session's fusion bound (sameFaceCosineMin) is a figure of the calibration record, copied into
// the tuning (the kiosk's worker reads no thresholds file): a recalibration that moves it fails here.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parseThresholdsFile } from '../../src/biometrics/calibration/thresholds-file.ts';
import {
  defaultFaceSessionTuning,
  sameFaceCosineMinOf,
} from '../../src/biometrics/face-session.ts';
import { modelsDir } from './face-helpers.ts';

it("the default sameFaceCosineMin is models/thresholds.json's in-sample fit, below its operating threshold", async () => {
  const calibration = parseThresholdsFile(
    await readFile(path.join(modelsDir, 'thresholds.json'), 'utf8'),
  );
  expect(defaultFaceSessionTuning.sameFaceCosineMin).toBe(
    calibration.outOfSample.inSampleThreshold,
  );
  expect(sameFaceCosineMinOf(calibration)).toBe(defaultFaceSessionTuning.sameFaceCosineMin);
  // What the session's comment says of it: the hub matches higher, by the safety margin.
  expect(calibration.threshold).toBeCloseTo(
    calibration.outOfSample.inSampleThreshold + calibration.outOfSample.safetyMargin,
    4,
  );
});
