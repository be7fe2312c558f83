// A kiosk's passed challenge is motion seen on demand: its turns and looks passed the challenge's 3-D test
// and its blink was read after the prompt, so a shopper who did what was asked is not also held to the
// natural-motion bound the challenge covered. Only a passed challenge counts, and only at a kiosk.
import { describe, expect, it } from 'vitest';
import type {
  Challenge,
  ChallengeState,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import type { NaturalMotionSummary } from '../../../src/biometrics/liveness/active/natural-motion.ts';
import type { DecisionPolicy } from '../../../src/biometrics/liveness/decision.ts';
import {
  decideLiveness,
  defaultDecisionPolicy,
} from '../../../src/biometrics/liveness/decision.ts';

const live = {
  modelId: 'pad-texture-v3',
  threshold: 0.8,
  refuseBelow: 0.3,
  scores: [0.9, 0.95, 0.85, 0.92, 0.9, 0.91],
};
/** A window with no blink and 3-D motion under the kiosk's bound (a quick, small turn). */
const stillish: NaturalMotionSummary = {
  framesWithFace: 40,
  runsMeasured: 1,
  blinks: [],
  parallax: 0.05,
  yawSpread: 0.3,
  faceChanges: 0,
  descriptorDistanceMax: 0.2,
  perFrame: [],
};
const kiosk: DecisionPolicy = { ...defaultDecisionPolicy, mode: 'kiosk', parallaxMin: 0.25 };
const passed = (challenges: Challenge[]): ChallengeState => ({
  status: 'passed',
  completedMs: challenges.map((_, i) => 1000 * (i + 1)),
  challenges,
});

describe('liveness decision: the challenge answered is motion', () => {
  it('a passed turn and look meet the 3-D motion bound: live, with the challenge as its evidence', () => {
    const decision = decideLiveness(
      { passive: live, active: passed(['turn_left', 'look_down']), motion: stillish },
      kiosk,
    );
    expect(decision).toMatchObject({ live: true, reasons: [] });
    expect(decision.evidence).toEqual(['passive_texture_live', 'challenge_passed']);
  });

  it('covers only what it asked: turns and looks are no blink where both are needed', () => {
    const both: DecisionPolicy = { ...kiosk, natural: 'blink_and_3d' };
    expect(
      decideLiveness(
        { passive: live, active: passed(['turn_right', 'look_up']), motion: stillish },
        both,
      ),
    ).toMatchObject({ live: false, reasons: ['no_blink'] });
    expect(
      decideLiveness(
        { passive: live, active: passed(['blink', 'turn_right']), motion: stillish },
        both,
      ),
    ).toMatchObject({ live: true });
  });

  it('an unfinished or failed challenge is no motion', () => {
    const asking: ChallengeState = { status: 'asking', challenge: 'look_up', index: 1 };
    expect(
      decideLiveness({ passive: live, active: asking, motion: stillish }, kiosk),
    ).toMatchObject({ live: false, reasons: ['no_blink', 'no_3d_motion', 'active_incomplete'] });
    const failed: ChallengeState = {
      status: 'failed',
      reason: 'planar_turn',
      challenge: 'turn_left',
      detail: 'a flat picture',
    };
    expect(
      decideLiveness({ passive: live, active: failed, motion: stillish }, kiosk),
    ).toMatchObject({ live: false, reasons: ['no_blink', 'no_3d_motion', 'active_planar_turn'] });
  });

  it('a recording judged whole ignores a challenge state: natural motion is still needed there', () => {
    const recording: DecisionPolicy = { ...kiosk, mode: 'recording' };
    expect(
      decideLiveness(
        { passive: live, active: passed(['turn_left', 'blink']), motion: stillish },
        recording,
      ),
    ).toMatchObject({ live: false, reasons: ['no_blink', 'no_3d_motion'] });
  });
});
