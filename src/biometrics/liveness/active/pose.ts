// Head yaw from the 68 landmarks for the turn challenges: the nose tip's place between the jaw ends,
// centred so 0 is frontal and > 0 is the subject turning to their own left (nose toward image right).
import type { Point } from '../../geometry.ts';
import { facePlacement } from './ear.ts';

/** About 0.3 per 30 degrees of yaw near frontal; the same measure the quality gate's turned_away uses. */
export function yawOf(landmarks: readonly Point[]): number {
  return facePlacement(landmarks).yaw;
}
