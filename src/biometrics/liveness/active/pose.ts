// Head pose from the 68 landmarks for the challenges. Yaw: the nose tip's place between the jaw ends, centred
// so 0 is frontal and > 0 is the subject turning to their own left (nose toward image right). Pitch: below.
import type { Point } from '../../geometry.ts';
import { measurePose } from '../../quality.ts';
import { facePlacement } from './ear.ts';

/** About 0.3 per 30 degrees of yaw near frontal; the same measure the quality gate's turned_away uses. */
export function yawOf(landmarks: readonly Point[]): number {
  return facePlacement(landmarks).yaw;
}

/** Head pitch for the look-up / look-down challenges: the nose tip's height between the eye line and the
 * mouth (the quality gate's pitchRatio), which falls as the head tips back (looking up) and rises as it
 * tips forward. A ratio along the face, so a photo tilted like a card keeps it (up to perspective). */
export function pitchOf(landmarks: readonly Point[]): number {
  return measurePose(landmarks).pitchRatio;
}
