// Which frames of a recording the replay harness reads: all of a short clip, or evenly spaced runs of
// consecutive frames for a long one, so blinks (a few frames long) stay visible however long the video.
import { assert } from '../../shared/assert.ts';
import { replayFramesMax, replaySegmentFrames } from '../../shared/limits.ts';

export interface FrameSegment {
  /** First frame index of the run in the source's frame sequence. */
  readonly start: number;
  readonly count: number;
}

export interface FramePlan {
  readonly segments: readonly FrameSegment[];
  readonly total: number;
  /** True when the recording had more frames than the cap and was sampled. */
  readonly sampled: boolean;
}

export interface FramePlanOptions {
  readonly framesMax: number;
  readonly segmentFrames: number;
}

export const defaultFramePlanOptions: FramePlanOptions = {
  framesMax: replayFramesMax,
  segmentFrames: replaySegmentFrames,
};

export function planFrames(
  sourceFrames: number,
  options: FramePlanOptions = defaultFramePlanOptions,
): FramePlan {
  assert(Number.isSafeInteger(sourceFrames) && sourceFrames >= 0, 'frame count must be an integer');
  assert(
    Number.isSafeInteger(options.segmentFrames) &&
      options.segmentFrames >= 1 &&
      options.segmentFrames <= options.framesMax,
    'segmentFrames must be in [1, framesMax]',
  );
  if (sourceFrames <= options.framesMax) {
    const segments = sourceFrames === 0 ? [] : [{ start: 0, count: sourceFrames }];
    return { segments, total: sourceFrames, sampled: false };
  }
  const runs = Math.floor(options.framesMax / options.segmentFrames);
  const segments: FrameSegment[] = [];
  for (let k = 0; k < runs; k++) {
    // Centre each run in its share of the recording.
    const centre = ((k + 0.5) * sourceFrames) / runs;
    const start = Math.min(
      sourceFrames - options.segmentFrames,
      Math.max(0, Math.round(centre - options.segmentFrames / 2)),
    );
    segments.push({ start, count: options.segmentFrames });
  }
  const total = segments.reduce((sum, s) => sum + s.count, 0);
  assert(total <= options.framesMax, 'the plan stays under the frame cap');
  return { segments, total, sampled: true };
}
