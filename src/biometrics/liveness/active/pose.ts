// Head pose from the 68 landmarks for the challenges. Yaw: the nose tip's place between the jaw ends, centred
// so 0 is frontal and > 0 is the subject turning to their own left (nose toward image right). Pitch: below.
import type { Point } from '../../geometry.ts';
import { distance, mean } from '../../geometry.ts';
import { measurePose } from '../../quality.ts';
import { facePlacement, landmarkAt } from './ear.ts';

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

/** The mouth corners sit about one eye distance below the eye line, and still half of one in a strong
 * look up; under this the landmark fit has collapsed (a profile, a failed fit) and pitch means nothing. */
const mouthBelowEyesMin = 0.25;
/** Frontal faces read about 0.5, strong looks 0.1-0.9 (eval:pitch): far outside, the fit has folded. */
const pitchReadableRange = { min: -1, max: 2 };

/** pitchOf, or null where the fit has collapsed: eval:pitch met ratios of 1e6 on live-02's profile frames,
 * which a challenge would read as a jump (too_fast) or a look. */
export function readablePitchOf(landmarks: readonly Point[]): number | null {
  const right = mean([landmarkAt(landmarks, 36), landmarkAt(landmarks, 39)]);
  const left = mean([landmarkAt(landmarks, 42), landmarkAt(landmarks, 45)]);
  const eyes = distance(right, left);
  if (eyes <= 1e-6) return null;
  const centre = mean([right, left]);
  const mouth = mean([landmarkAt(landmarks, 48), landmarkAt(landmarks, 54)]);
  // Depth of the mouth below the eye line, along the eye line's normal toward the chin.
  const below =
    ((mouth.y - centre.y) * (left.x - right.x) - (mouth.x - centre.x) * (left.y - right.y)) / eyes;
  if (below < mouthBelowEyesMin * eyes) return null;
  // The ratio's own denominator is the whole mouth's mean, which a fit can fold onto the eye line while
  // the corners stay below (ZubairCracksCode frames 113 and 172 read 577,567 and -953,999).
  const pitch = pitchOf(landmarks);
  return pitch > pitchReadableRange.min && pitch < pitchReadableRange.max ? pitch : null;
}
