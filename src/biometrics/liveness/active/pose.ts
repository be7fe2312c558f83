// Head yaw from the 68 landmarks for the turn challenges: the nose tip's place between the jaw ends,
// centred so 0 is frontal and > 0 is the subject turning to their own left (nose toward image right).
import type { Point } from '../../geometry.ts';
import { measurePose } from '../../quality.ts';
import { assertLandmarks } from './ear.ts';

/** About 0.3 per 30 degrees of yaw near frontal; the same measure the quality gate's turned_away uses. */
export function yawOf(landmarks: readonly Point[]): number {
  assertLandmarks(landmarks);
  return measurePose(landmarks).yawRatio - 0.5;
}
