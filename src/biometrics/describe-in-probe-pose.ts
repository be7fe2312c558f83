// The face session's engine describing only the faces whose descriptor can enter the fused probe: a face
// outside the session's probe pose is never fused, so its descriptor net run (~18 ms a kiosk frame) is spared.

import type { FaceObservation, FrameOptions, FrameResult, UndescribedFrame } from './engine.ts';
import type { FaceSessionEngine, ProbePose } from './face-session.ts';
import { inProbePose } from './face-session.ts';
import type { RgbImage } from './image.ts';

/**
 * `engine` with describeIf set to the probe pose on the calls that pass options (the session's, each
 * asking describe or not; a call without options still describes every ready frame): a ready frame of a turned face comes back
 * with no descriptor, as a frame read with describe: false does, and the session asks the next frame for
 * one. Such a descriptor only fed face continuity's frame-to-frame comparison; the next frame in the
 * probe pose is compared, with every descriptor held for fusion too, before any decision uses it.
 */
export function describeInProbePose(engine: FaceSessionEngine, pose: ProbePose): FaceSessionEngine {
  const describeIf = (face: FaceObservation): boolean => inProbePose(face.pose, pose);
  function processFrame(image: RgbImage): Promise<FrameResult>;
  function processFrame(
    image: RgbImage,
    options: FrameOptions,
  ): Promise<FrameResult | UndescribedFrame>;
  function processFrame(
    image: RgbImage,
    options?: FrameOptions,
  ): Promise<FrameResult | UndescribedFrame> {
    if (options === undefined) return engine.processFrame(image);
    return engine.processFrame(image, { ...options, describeIf });
  }
  const { backend, modelId, reset } = engine;
  return {
    backend,
    modelId,
    processFrame,
    ...(reset === undefined ? {} : { reset: () => reset.call(engine) }),
  };
}
