// The enrolment station's 1:1 gate from the calibration file (models/photo-vs-live.json): its operating
// point for the officer's screen and the comparison itself; no file means no gate, and the station refuses.
import { readPhotoVsLiveFile } from '../biometrics/calibration/photo-vs-live.node.ts';
import { comparePhotoToLive } from '../biometrics/calibration/photo-vs-live.ts';
import type { PhotoVsLiveGate } from './enrolment-station.ts';

/** null when the file is absent; a file that is there but invalid is a start-up error (fail closed). */
export async function loadPhotoVsLiveGate(file?: string): Promise<PhotoVsLiveGate | null> {
  let calibration;
  try {
    calibration = await readPhotoVsLiveFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return {
    point: {
      modelId: calibration.modelId,
      threshold: calibration.threshold,
      targetFmr: calibration.targetFmr,
      fmr: calibration.outOfSample.fmr,
      fnmr: calibration.outOfSample.fnmr,
    },
    compare: (photo, live) => comparePhotoToLive(photo, live, calibration),
  };
}
