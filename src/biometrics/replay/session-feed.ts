// Feeds the kiosk's streaming face session from the replay's own loop: each frame's engine result and
// passive score are computed once, by runReplay, and handed to the session, so the harness measures
// exactly the kiosk's pipeline (and when it would have decided) without reading any frame twice.
import { assert } from '../../shared/assert.ts';
import { seededRandom } from '../../shared/seeded-random.ts';
import type { MaskDetector } from '../capture/mask-detector.ts';
import type { FrameResult } from '../engine.ts';
import type { FaceSessionUpdate, LivenessPolicyName } from '../face-session.ts';
import { FaceSession } from '../face-session.ts';
import type { RgbImage } from '../image.ts';
import type { PassiveTextureDetector, PassiveTextureResult } from '../liveness/passive-texture.ts';
import type { FrameEngine, ReplayFrame } from './pipeline.ts';
import { percentile } from './pipeline.ts';

export interface ReplaySessionSummary {
  readonly policy: LivenessPolicyName;
  readonly timeLimitMs: number;
  /** Which frames it saw: the replay's first run of consecutive frames (a recording read whole), or
   * the recording's opening seconds read again (a long recording the replay samples in runs). */
  readonly frames: 'first run' | 'opening';
  /** undecided: those frames ran out before the session finished. */
  readonly outcome: 'decided' | 'refused' | 'undecided';
  readonly reasons: readonly string[];
  readonly evidence: readonly string[];
  readonly sinceFirstFaceMs: number | null;
  /** Of sinceFirstFaceMs, the wait for a blink or 3-D motion alone (decided only; FaceSessionUpdate). */
  readonly motionWaitMs: number | null;
  readonly framesUsed: number;
  /** Source frame index of the session's first frame. */
  readonly firstFrameIndex: number | null;
  /** Source frame index (and time in the recording) at which the session decided or refused. */
  readonly frameIndex: number | null;
  readonly timestampMs: number | null;
  /** Frames answered with each prompt while reading ('none': no prompt). */
  readonly prompts: Readonly<Record<string, number>>;
  /** Frames the session read but could not use, per reason: the quality gate's (blurred, no_face,
   * face_too_small, ...) or the capture check's (masked, eyes_closed); the frames with none are not
   * counted. A session left undecided because every frame was refused says so here. */
  readonly refusedFramesByReason: Readonly<Record<string, number>>;
  /** The session's own work per frame (motion, decision) on top of engine and passive score. */
  readonly overheadMsMedian: number;
  readonly overheadMsP95: number;
  /** How often the session gathered its evidence again because the tracked face was lost or changed. */
  readonly restarts: number;
  readonly restartReasons: readonly string[];
}

export interface ReplaySessionOptions {
  readonly policy: LivenessPolicyName;
  readonly mask: MaskDetector;
  readonly timeLimitMs: number;
  readonly frames: ReplaySessionSummary['frames'];
}

interface Computed {
  readonly image: RgbImage;
  readonly result: FrameResult;
  passive: PassiveTextureResult | null;
}

export class ReplaySessionFeed {
  /** Give these to runReplay: they compute, and remember the last frame's results for the session. */
  readonly engine: FrameEngine;
  readonly passive: PassiveTextureDetector;
  readonly #session: FaceSession;
  readonly #options: ReplaySessionOptions;
  #last: Computed | null = null;
  #segment: number | null = null;
  #firstIndex: number | null = null;
  #final: { update: FaceSessionUpdate; frame: ReplayFrame } | null = null;
  #framesUsed = 0;
  readonly #prompts = new Map<string, number>();
  readonly #refused = new Map<string, number>();
  readonly #overheadMs: number[] = [];

  constructor(engine: FrameEngine, passive: PassiveTextureDetector, options: ReplaySessionOptions) {
    this.#options = options;
    this.engine = {
      backend: engine.backend,
      modelId: engine.modelId,
      processFrame: async (image) => {
        const result = await engine.processFrame(image);
        this.#last = { image, result, passive: null };
        return result;
      },
    };
    this.passive = {
      ...passive,
      score: (crop) => {
        const scored = passive.score(crop);
        if (this.#last !== null) this.#last.passive = scored;
        return scored;
      },
    };
    const remembered: FrameEngine = {
      backend: engine.backend,
      modelId: engine.modelId,
      processFrame: (image) => Promise.resolve(this.#computed(image).result),
    };
    const rememberedPassive: PassiveTextureDetector = {
      ...passive,
      score: () => {
        const scored = this.#last?.passive ?? null;
        assert(scored !== null, 'the session scores only the crops the replay scored');
        return scored;
      },
    };
    this.#session = new FaceSession(remembered, {
      policy: options.policy,
      passive: rememberedPassive,
      mask: options.mask,
      // A recording cannot answer a challenge; the order is drawn only under the challenge policy.
      random: seededRandom(1),
      timeLimitMs: options.timeLimitMs,
    });
  }

  /** The replay's frames, each handed to the session once runReplay has computed it; `untilFinished`
   * ends them when the session has finished (a pass run for the session alone). */
  async *frames(
    source: AsyncIterable<ReplayFrame>,
    options: { untilFinished: boolean },
  ): AsyncGenerator<ReplayFrame> {
    let previous: ReplayFrame | null = null;
    for await (const frame of source) {
      if (previous !== null) await this.#feed(previous);
      if (options.untilFinished && this.#final !== null) return;
      yield frame;
      previous = frame;
    }
    if (previous !== null) await this.#feed(previous);
  }

  summary(): ReplaySessionSummary {
    const final = this.#final;
    const update = final?.update;
    const common = {
      policy: this.#options.policy,
      timeLimitMs: this.#options.timeLimitMs,
      frames: this.#options.frames,
      firstFrameIndex: this.#firstIndex,
      framesUsed: this.#framesUsed,
      frameIndex: final?.frame.index ?? null,
      timestampMs: final?.frame.timestampMs ?? null,
      prompts: Object.fromEntries(this.#prompts),
      refusedFramesByReason: Object.fromEntries(this.#refused),
      overheadMsMedian: this.#overheadMs.length === 0 ? 0 : percentile(this.#overheadMs, 0.5),
      overheadMsP95: this.#overheadMs.length === 0 ? 0 : percentile(this.#overheadMs, 0.95),
      restarts: this.#session.restarts,
      restartReasons: this.#session.restartReasons,
    };
    if (update?.kind === 'decided')
      return {
        ...common,
        outcome: 'decided',
        reasons: [],
        evidence: update.liveness.checks,
        sinceFirstFaceMs: update.sinceFirstFaceMs,
        motionWaitMs: update.motionWaitMs,
      };
    if (update?.kind === 'refused')
      return {
        ...common,
        outcome: 'refused',
        reasons: update.reasons,
        evidence: update.decision?.evidence ?? [],
        sinceFirstFaceMs: update.sinceFirstFaceMs,
        motionWaitMs: null,
      };
    return {
      ...common,
      outcome: 'undecided',
      reasons: ['recording_ended'],
      evidence: [],
      sinceFirstFaceMs: null,
      motionWaitMs: null,
    };
  }

  #computed(image: RgbImage): Computed {
    const last = this.#last;
    assert(
      last !== null && last.image === image,
      'the session reads the frame the replay computed',
    );
    return last;
  }

  async #feed(frame: ReplayFrame): Promise<void> {
    // The kiosk sees one unbroken stretch of camera frames: the recording's first run.
    this.#segment ??= frame.segment;
    this.#firstIndex ??= frame.index;
    if (this.#final !== null || frame.segment !== this.#segment) return;
    const update = await this.#session.push(frame.image, frame.timestampMs);
    this.#framesUsed += 1;
    this.#overheadMs.push(update.timingsMs.liveness);
    if (update.kind === 'reading') {
      const key = update.prompt ?? 'none';
      this.#prompts.set(key, (this.#prompts.get(key) ?? 0) + 1);
      if (update.quality !== 'ok')
        this.#refused.set(update.quality, (this.#refused.get(update.quality) ?? 0) + 1);
      return;
    }
    this.#final = { update, frame };
  }
}

/** The frames refused per reason, most first, of the frames the session read: "261 of 261 frames
 * blurred, 3 of 261 frames no_face"; '' when none was refused. */
export function refusedFramesText(
  session: Pick<ReplaySessionSummary, 'framesUsed' | 'refusedFramesByReason'>,
): string {
  return Object.entries(session.refusedFramesByReason)
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([reason, count]) => `${count} of ${session.framesUsed} frames ${reason}`)
    .join(', ');
}
