// Liveness evidence a recording can carry without answering a challenge: blinks and 3-D (non-planar)
// face motion in runs of consecutive frames. A photo panned, zoomed or tilted has neither.
import { assert } from '../../../shared/assert.ts';
import type { Point } from '../../geometry.ts';
import type { Blink, BlinkOptions } from './blink.ts';
import { BlinkDetector, defaultBlinkOptions, quantile } from './blink.ts';
import { placedLids } from './ear.ts';
import type { ActiveFace, ContinuityOptions } from './face-continuity.ts';
import { defaultContinuityOptions, FaceContinuity } from './face-continuity.ts';
import { planarParallax } from './parallax.ts';
import { yawOf } from './pose.ts';

export interface MotionFrame {
  readonly timestampMs: number;
  /** Runs of consecutive frames; blinks and motion are measured within a run, never across. */
  readonly segment: number;
  readonly face: ActiveFace | null;
}

export interface MotionFrameMeasures {
  readonly ear: number | null;
  readonly earBaseline: number | null;
  readonly yaw: number | null;
  /** Nose-tip parallax against the run's reference frame, in eye distances. */
  readonly parallax: number | null;
}

export interface NaturalMotionOptions {
  /** Within a run, this quantile of per-frame parallax is the run's 3-D motion (robust to glitches). */
  readonly parallaxQuantile: number;
  /** Runs with fewer face frames than this say nothing about motion. */
  readonly runFramesMin: number;
  readonly blink: BlinkOptions;
  readonly continuity: ContinuityOptions;
}

export const defaultNaturalMotionOptions: NaturalMotionOptions = {
  parallaxQuantile: 0.9,
  runFramesMin: 8,
  blink: defaultBlinkOptions,
  continuity: defaultContinuityOptions,
};

export interface NaturalMotionSummary {
  readonly framesWithFace: number;
  readonly runsMeasured: number;
  readonly blinks: readonly Blink[];
  /** Largest run value of the parallax quantile; null when no run had enough face frames. */
  readonly parallax: number | null;
  /** Largest run spread of yaw (95th - 5th percentile). */
  readonly yawSpread: number | null;
  /** Box jumps or descriptor changes seen: another face took the place of the first. */
  readonly faceChanges: number;
  readonly descriptorDistanceMax: number;
  readonly perFrame: readonly MotionFrameMeasures[];
}

interface RunResult {
  parallax: number | null;
  yawSpread: number | null;
  faceChanges: number;
  descriptorDistanceMax: number;
}

export function analyzeNaturalMotion(
  frames: readonly MotionFrame[],
  options: NaturalMotionOptions = defaultNaturalMotionOptions,
): NaturalMotionSummary {
  assert(options.parallaxQuantile > 0 && options.parallaxQuantile < 1, 'quantile in (0, 1)');
  const perFrame: MotionFrameMeasures[] = [];
  const blinks: Blink[] = [];
  const runs: RunResult[] = [];
  const segments = [...new Set(frames.map((f) => f.segment))];
  for (const segment of segments) {
    const run = frames.filter((f) => f.segment === segment);
    runs.push(analyzeRun(run, options, perFrame, blinks));
  }
  assert(perFrame.length === frames.length, 'one measure per frame');
  const measured = runs.filter((r) => r.parallax !== null);
  const max = (values: (number | null)[]): number | null => {
    const present = values.filter((v): v is number => v !== null);
    return present.length === 0 ? null : Math.max(...present);
  };
  return {
    framesWithFace: frames.filter((f) => f.face !== null).length,
    runsMeasured: measured.length,
    blinks,
    parallax: max(measured.map((r) => r.parallax)),
    yawSpread: max(measured.map((r) => r.yawSpread)),
    faceChanges: runs.reduce((sum, r) => sum + r.faceChanges, 0),
    descriptorDistanceMax: Math.max(0, ...runs.map((r) => r.descriptorDistanceMax)),
    perFrame,
  };
}

function analyzeRun(
  run: readonly MotionFrame[],
  options: NaturalMotionOptions,
  perFrame: MotionFrameMeasures[],
  blinks: Blink[],
): RunResult {
  const detector = new BlinkDetector(options.blink);
  const continuity = new FaceContinuity(options.continuity);
  let faceChanges = 0;
  const withFace = run.filter((f) => f.face !== null);
  const yaws = withFace.map((f) => yawOf(f.face?.landmarks ?? []));
  const reference = referenceLandmarks(withFace, yaws);
  const parallaxes: number[] = [];
  for (const frame of run) {
    if (continuity.check(frame) === 'face_changed') faceChanges += 1;
    const face = frame.face;
    if (face === null) {
      perFrame.push({ ear: null, earBaseline: null, yaw: null, parallax: null });
      continue;
    }
    const eyes = placedLids(face.eyes, face.landmarks);
    const step = eyes === null ? null : detector.push(frame.timestampMs, eyes);
    if (step !== null && step.blink !== null) blinks.push(step.blink);
    const parallax = reference === null ? null : planarParallax(reference, face.landmarks);
    if (parallax !== null) parallaxes.push(parallax.magnitude);
    perFrame.push({
      ear: eyes?.ear ?? null,
      earBaseline: step?.baseline ?? null,
      yaw: yawOf(face.landmarks),
      parallax: parallax?.magnitude ?? null,
    });
  }
  const enough = withFace.length >= options.runFramesMin && parallaxes.length > 0;
  return {
    parallax: enough ? quantile(parallaxes, options.parallaxQuantile) : null,
    yawSpread: enough ? quantile(yaws, 0.95) - quantile(yaws, 0.05) : null,
    faceChanges,
    descriptorDistanceMax: continuity.descriptorDistanceMaxSeen,
  };
}

/** The run's most typical pose: the face frame whose yaw is nearest the run's median yaw. */
function referenceLandmarks(
  withFace: readonly MotionFrame[],
  yaws: readonly number[],
): readonly Point[] | null {
  if (withFace.length === 0) return null;
  const median = quantile(yaws, 0.5);
  let best = 0;
  for (let i = 1; i < yaws.length; i++)
    if (Math.abs((yaws[i] ?? 0) - median) < Math.abs((yaws[best] ?? 0) - median)) best = i;
  return withFace[best]?.face?.landmarks ?? null;
}
