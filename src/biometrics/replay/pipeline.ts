// The kiosk's per-frame pipeline over a recording: engine (detect, landmarks, quality, descriptor), the
// passive texture score on the engine's face crop, then natural motion and the one liveness decision.
import { assert } from '../../shared/assert.ts';
import type { FrameOptions, FrameResult, UndescribedFrame } from '../engine.ts';
import type { Box, Point } from '../geometry.ts';
import type { RgbImage } from '../image.ts';
import type { EyeLids } from '../liveness/active/ear.ts';
import type { NaturalMotionSummary } from '../liveness/active/natural-motion.ts';
import { analyzeNaturalMotion } from '../liveness/active/natural-motion.ts';
import { boxCrop } from '../liveness/crop.ts';
import type { DecisionPolicy, LivenessDecision } from '../liveness/decision.ts';
import { decideLiveness, defaultDecisionPolicy } from '../liveness/decision.ts';
import type { PassiveTextureDetector } from '../liveness/passive-texture.ts';
import type { QualityReason } from '../quality.ts';

export interface ReplayFrame {
  /** Position in the source's frame sequence. */
  readonly index: number;
  /** Which run of consecutive frames it belongs to (motion does not carry across runs). */
  readonly segment: number;
  readonly timestampMs: number;
  readonly image: RgbImage;
  readonly decodeMs: number;
}

export interface FrameEngine {
  readonly backend: string;
  readonly modelId: string;
  processFrame(image: RgbImage): Promise<FrameResult>;
  /** An engine may describe anyway (the replay computes every descriptor for its report). */
  processFrame(image: RgbImage, options: FrameOptions): Promise<FrameResult | UndescribedFrame>;
}

/** Crop for the passive check: the detector's box squared and widened, as eval:pad --crop detect. */
export const passiveCropScale = 1.2;
const passiveCropSideMinPixels = 32;

export interface ReplayFrameRecord {
  readonly ordinal: number;
  readonly index: number;
  readonly segment: number;
  readonly timestampMs: number;
  readonly quality: QualityReason | 'ok';
  readonly box: Box | null;
  readonly landmarks: readonly Point[] | null;
  /** The lids blinks are counted on (face mesh + iris); null without a face or when the mesh saw none. */
  readonly eyes: EyeLids | null;
  /** Unit descriptor when the frame passed the quality gate. */
  readonly descriptor: Float32Array | null;
  readonly passiveScore: number | null;
  readonly ear: number | null;
  readonly yaw: number | null;
  readonly parallax: number | null;
  /** Engine plus passive check: what the kiosk spends per camera frame. */
  readonly pipelineMs: number;
  readonly decodeMs: number;
}

export interface ReplayDecision {
  /** The recording would go on to identification only when live and a decision-ready frame exists. */
  readonly outcome: 'proceed_to_identify' | 'refuse';
  readonly reasons: readonly string[];
  readonly decisionReadyFrames: number;
  readonly firstDecisionReadyMs: number | null;
}

export interface ReplayRun {
  readonly backend: string;
  readonly modelId: string;
  readonly passiveModelId: string | null;
  readonly records: readonly ReplayFrameRecord[];
  readonly motion: NaturalMotionSummary;
  readonly liveness: LivenessDecision;
  readonly decision: ReplayDecision;
  readonly kept: ReadonlyMap<number, RgbImage>;
}

export interface ReplayOptions {
  readonly engine: FrameEngine;
  /** null: no passive model; the decision then fails closed. */
  readonly passive: PassiveTextureDetector | null;
  readonly policy?: DecisionPolicy;
  /** Ordinals of frames whose pixels are kept for the report. */
  readonly keep?: ReadonlySet<number>;
}

interface Pending {
  frame: ReplayFrame;
  result: FrameResult;
  passiveScore: number | null;
  pipelineMs: number;
}

export async function runReplay(
  frames: AsyncIterable<ReplayFrame>,
  options: ReplayOptions,
): Promise<ReplayRun> {
  const pending: Pending[] = [];
  const kept = new Map<number, RgbImage>();
  let lastMs = -Infinity;
  for await (const frame of frames) {
    assert(frame.timestampMs > lastMs, 'frame timestamps must increase');
    lastMs = frame.timestampMs;
    const started = performance.now();
    const result = await options.engine.processFrame(frame.image);
    const passiveScore = scorePassive(frame.image, result, options.passive);
    pending.push({ frame, result, passiveScore, pipelineMs: performance.now() - started });
    if (options.keep?.has(pending.length - 1) === true) kept.set(pending.length - 1, frame.image);
  }
  const motion = analyzeNaturalMotion(
    pending.map(({ frame, result }) => ({
      timestampMs: frame.timestampMs,
      segment: frame.segment,
      face:
        result.face === null
          ? null
          : {
              box: result.face.box,
              landmarks: result.face.landmarks,
              eyes: result.face.eyes,
              descriptor: result.ok ? result.descriptor : null,
            },
    })),
  );
  const records = pending.map((p, ordinal) => toRecord(p, ordinal, motion));
  const scores = records.flatMap((r) => (r.passiveScore === null ? [] : [r.passiveScore]));
  const passive =
    options.passive === null
      ? null
      : {
          modelId: options.passive.modelId,
          threshold: options.passive.threshold,
          refuseBelow: options.passive.refuseBelow,
          scores,
        };
  const liveness = decideLiveness(
    { passive, active: null, motion },
    options.policy ?? defaultDecisionPolicy,
  );
  return {
    backend: options.engine.backend,
    modelId: options.engine.modelId,
    passiveModelId: options.passive?.modelId ?? null,
    records,
    motion,
    liveness,
    decision: decide(records, liveness),
    kept,
  };
}

/** The face region the passive check scores (and train:pad learns from); null when too little of it is
 * in frame. `scale` is the passive model's own (PassiveTextureDetector.cropScale). */
export function passiveCrop(
  image: RgbImage,
  result: Pick<FrameResult, 'face'>,
  scale: number = passiveCropScale,
): RgbImage | null {
  if (result.face === null) return null;
  const crop = boxCrop(image, result.face.box, { scale });
  if (crop === null || Math.min(crop.width, crop.height) < passiveCropSideMinPixels) return null;
  return crop;
}

function scorePassive(
  image: RgbImage,
  result: FrameResult,
  passive: PassiveTextureDetector | null,
): number | null {
  if (passive === null) return null;
  const crop = passiveCrop(image, result, passive.cropScale);
  return crop === null ? null : passive.score(crop).score;
}

function toRecord(p: Pending, ordinal: number, motion: NaturalMotionSummary): ReplayFrameRecord {
  const measures = motion.perFrame[ordinal];
  assert(measures !== undefined, 'one motion measure per frame');
  return {
    ordinal,
    index: p.frame.index,
    segment: p.frame.segment,
    timestampMs: p.frame.timestampMs,
    quality: p.result.ok ? 'ok' : p.result.reason,
    box: p.result.face?.box ?? null,
    landmarks: p.result.face?.landmarks ?? null,
    eyes: lidsOf(p.result.face?.eyes ?? null),
    descriptor: p.result.ok ? p.result.descriptor : null,
    passiveScore: p.passiveScore,
    ear: measures.ear,
    yaw: measures.yaw,
    parallax: measures.parallax,
    pipelineMs: p.pipelineMs,
    decodeMs: p.frame.decodeMs,
  };
}

function lidsOf(eyes: EyeLids | null): EyeLids | null {
  return eyes === null ? null : { openness: eyes.openness, ear: eyes.ear };
}

function decide(records: readonly ReplayFrameRecord[], liveness: LivenessDecision): ReplayDecision {
  const ready = records.filter((r) => r.quality === 'ok');
  const reasons = [...liveness.reasons];
  if (ready.length === 0) reasons.push('no_decision_ready_frame');
  return {
    outcome: liveness.live && ready.length > 0 ? 'proceed_to_identify' : 'refuse',
    reasons,
    decisionReadyFrames: ready.length,
    firstDecisionReadyMs: ready[0]?.timestampMs ?? null,
  };
}

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  assert(values.length > 0 && p >= 0 && p <= 1, 'percentile of a non-empty list, p in [0, 1]');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}
