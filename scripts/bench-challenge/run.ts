// One scripted shopper in front of the kiosk's face session (challenge or natural policy): the responder's
// frames pushed one by one, its prompts answered, until the session decides, refuses or runs out of time.
//
// The session, tracker, passive model and mask detector are the kiosk's (face.worker.ts builds the same
// session); only the camera is replaced, by recorded frames of one person at the clip's frame rate.
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type {
  FaceSessionTuning,
  FaceSessionUpdate,
  LivenessPolicyName,
} from '../../src/biometrics/face-session.ts';
import { FaceSession } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.ts';
import { assert } from '../../src/shared/assert.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import type { ResponderEvent } from './responder.ts';
import { ScriptedResponder } from './responder.ts';
import type { ActionSegment, FrameRange, FrameReading, SpliceLimits } from './segments.ts';

export interface SessionTools {
  readonly tracker: FaceTracker;
  readonly passive: PassiveTextureDetector;
  readonly mask: MaskDetector;
}

/** The kiosk's tracker, passive model and mask detector from `modelsDir` (the caller disposes the tracker). */
export async function loadSessionTools(modelsDir: string): Promise<SessionTools> {
  const tracker = await createFaceTracker({ modelsDir });
  return {
    tracker,
    passive: await loadPassiveTextureDetector({ modelsDir }),
    mask: await loadMaskDetector({ modelsDir }),
  };
}

export interface ScriptedRun {
  /** The session's policy (default challenge); natural: the kiosk's default, the challenge only when
   * the passive score is uncertain, and `order` then empty (nothing is asked from the first frame). */
  readonly policy?: LivenessPolicyName;
  /** The session's tuning (default: defaultFaceSessionTuning, as the kiosk worker's). */
  readonly tuning?: FaceSessionTuning;
  readonly seed: number;
  readonly order: readonly Challenge[];
  readonly readings: readonly FrameReading[];
  readonly images: ReadonlyMap<number, RgbImage>;
  readonly frameIntervalMs: number;
  readonly home: FrameRange;
  /** See ResponderOptions.homeFrom. */
  readonly homeFrom?: number;
  readonly answers: ReadonlyMap<Challenge, ActionSegment>;
  readonly reactionMs: number;
  readonly turnDwellMs: number | null;
  readonly limits: SpliceLimits;
  readonly timeLimitMs: number;
}

export interface RunOutcome {
  readonly outcome: 'decided' | 'refused' | 'undecided';
  /** Refused: the session's reasons. Decided: the evidence it decided on. */
  readonly reasons: readonly string[];
  /** First face to the decision (or refusal), on the frames' timestamps: the person's timeline. */
  readonly decisionMs: number | null;
  readonly frames: number;
  readonly events: readonly ResponderEvent[];
  /** The session's whole push() per frame (engine, passive score, liveness), wall clock. */
  readonly pushMs: readonly number[];
  /** The engine stages per frame, wall clock (detect, landmarks, eyes, describe, ...). */
  readonly stageMs: Readonly<Record<string, number[]>>;
  readonly firstFaceMs: number | null;
  /** The session's prompt each time it changed (null: none shown), on the frames' timestamps. */
  readonly prompts: readonly { readonly atMs: number; readonly prompt: string | null }[];
  /** The first frame at which the session was asking its challenge (null: never asked). */
  readonly challengeAskedAtMs: number | null;
  /** The passive scores' median and band the session ended on (null: no decision to read them from). */
  readonly passive: { readonly median: number | null; readonly band: string | null } | null;
}

/** The session as the kiosk's worker builds it (face.worker.ts), but for its random source: seeded, so
 * a run's challenge order is the one planned. */
function sessionFor(run: SessionRun, tools: SessionTools): FaceSession {
  const policy = run.policy ?? 'challenge';
  const session = new FaceSession(tools.tracker, {
    policy,
    passive: tools.passive,
    mask: tools.mask,
    random: seededRandom(run.seed),
    timeLimitMs: run.timeLimitMs,
    ...(run.tuning === undefined ? {} : { tuning: run.tuning }),
  });
  // The natural policy draws its order too, but asks it (and shows it) only on an uncertain score.
  assert(
    session.challenges.join() === (policy === 'challenge' ? run.order.join() : ''),
    'the session draws the order the run planned',
  );
  return session;
}

/** What shows the session its frames: the scripted shopper, or a recording that ignores every prompt. */
export interface FrameSchedule {
  next(): { readonly index: number; readonly timestampMs: number };
  observe(prompt: string | null, atMs: number): void;
  readonly events: readonly ResponderEvent[];
}

export async function runScripted(run: ScriptedRun, tools: SessionTools): Promise<RunOutcome> {
  const responder = new ScriptedResponder({
    readings: run.readings,
    frameIntervalMs: run.frameIntervalMs,
    reactionMs: run.reactionMs,
    home: run.home,
    ...(run.homeFrom === undefined ? {} : { homeFrom: run.homeFrom }),
    answers: run.answers,
    limits: run.limits,
    turnDwellMs: run.turnDwellMs,
  });
  return runSession(run, responder, tools);
}

/** The session's part of a run: who shows the frames is the schedule's business. */
export type SessionRun = Pick<
  ScriptedRun,
  'policy' | 'tuning' | 'seed' | 'order' | 'images' | 'frameIntervalMs' | 'timeLimitMs'
>;

/** Pushes the schedule's frames until the session decides, refuses or its time limit passes. */
export async function runSession(
  run: SessionRun,
  responder: FrameSchedule,
  tools: SessionTools,
): Promise<RunOutcome> {
  tools.tracker.reset();
  const session = sessionFor(run, tools);
  const pushMs: number[] = [];
  const stageMs: Record<string, number[]> = {};
  // The session refuses on its own once its time limit has passed; two frames more is a safety bound.
  const framesMax = Math.ceil(run.timeLimitMs / run.frameIntervalMs) + 2;
  let final: Exclude<FaceSessionUpdate, { kind: 'reading' }> | null = null;
  let lastMs = 0;
  let frames = 0;
  const prompts: { atMs: number; prompt: string | null }[] = [];
  let challengeAskedAtMs: number | null = null;
  for (; frames < framesMax && final === null; frames++) {
    const shown = responder.next();
    const image = run.images.get(shown.index);
    assert(image !== undefined, `frame ${shown.index} was decoded`);
    const update = await session.push(image, shown.timestampMs);
    lastMs = shown.timestampMs;
    if (challengeAskedAtMs === null && session.challenges.length > 0)
      challengeAskedAtMs = shown.timestampMs;
    pushMs.push(update.timingsMs.total);
    for (const [stage, ms] of Object.entries(update.timingsMs))
      if (stage !== 'total') (stageMs[stage] ??= []).push(ms);
    if (update.kind !== 'reading') final = update;
    else {
      if (prompts.at(-1)?.prompt !== update.prompt)
        prompts.push({ atMs: shown.timestampMs, prompt: update.prompt });
      responder.observe(update.prompt, shown.timestampMs);
    }
  }
  const since = final?.sinceFirstFaceMs ?? null;
  return {
    outcome: final === null ? 'undecided' : final.kind,
    reasons:
      final === null
        ? ['frames_ran_out']
        : final.kind === 'decided'
          ? final.liveness.checks
          : final.reasons,
    decisionMs: since,
    frames,
    events: responder.events,
    pushMs,
    stageMs,
    firstFaceMs: since === null ? null : lastMs - since,
    prompts,
    challengeAskedAtMs,
    passive:
      final?.decision == null
        ? null
        : { median: final.decision.scores.passiveMedian, band: final.decision.scores.passiveBand },
  };
}

/** Where the time to a decision went: the person's (reacting to each prompt, then acting) and the
 * session's (settling before the first prompt, waiting between an action's end and the next prompt or
 * the decision: frames to confirm the return, passive scores, agreeing descriptors). */
export interface TimeSplit {
  readonly settleMs: number;
  readonly reactionMs: number;
  readonly actionMs: number;
  readonly sessionWaitMs: number;
}

export function splitTime(outcome: RunOutcome): TimeSplit | null {
  const first = outcome.firstFaceMs;
  const total = outcome.decisionMs;
  if (first === null || total === null) return null;
  const at = (kind: ResponderEvent['kind']): number[] =>
    outcome.events.filter((e) => e.kind === kind).map((e) => e.atMs);
  const prompts = at('prompt');
  const onsets = at('onset');
  const ends = at('action_end');
  const settleMs = (prompts[0] ?? first + total) - first;
  let reactionMs = 0;
  let actionMs = 0;
  onsets.forEach((onset, k) => {
    reactionMs += onset - (prompts[k] ?? onset);
    // The session may see the head back a frame before the finder's end frame: the action ends there.
    const next = prompts[k + 1] ?? first + total;
    actionMs += Math.min(ends[k] ?? next, next) - onset;
  });
  return {
    settleMs,
    reactionMs,
    actionMs,
    sessionWaitMs: total - settleMs - reactionMs - actionMs,
  };
}

/** Per action: how long after its onset the session stopped asking for it (the challenge took it),
 * and how long the recorded person then took to end it (back to frontal, eyes open). */
export function actionAcceptance(
  outcome: RunOutcome,
): { readonly acceptedMs: number; readonly restMs: number }[] {
  const onsets = outcome.events.filter((e) => e.kind === 'onset');
  const ends = outcome.events.filter((e) => e.kind === 'action_end');
  return onsets.flatMap((onset) => {
    if (onset.kind !== 'onset') return [];
    const accepted = outcome.prompts.find(
      (p) => p.atMs > onset.atMs && p.prompt !== onset.challenge,
    );
    // The session may decide before the finder's last frame of the action is shown: it ends there.
    const decidedAt =
      outcome.firstFaceMs === null || outcome.decisionMs === null
        ? undefined
        : outcome.firstFaceMs + outcome.decisionMs;
    const end =
      ends.find((e) => e.kind === 'action_end' && e.challenge === onset.challenge)?.atMs ??
      decidedAt;
    if (accepted === undefined || end === undefined) return [];
    return [{ acceptedMs: accepted.atMs - onset.atMs, restMs: end - accepted.atMs }];
  });
}
