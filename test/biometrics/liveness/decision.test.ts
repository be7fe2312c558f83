// The combined liveness decision fails closed: a missing model, missing input, too few frames or a bad
// score is never a pass; a pass needs passive texture and natural motion (and the challenge in a kiosk);
// an uncertain passive score asks for the challenge, a confident attack score is refused regardless.
import { describe, expect, it } from 'vitest';
import type { ChallengeState } from '../../../src/biometrics/liveness/active/challenge.ts';
import type { NaturalMotionSummary } from '../../../src/biometrics/liveness/active/natural-motion.ts';
import type { PassiveEvidence } from '../../../src/biometrics/liveness/decision.ts';
import {
  decideLiveness,
  defaultDecisionPolicy,
} from '../../../src/biometrics/liveness/decision.ts';

const passive = (scores: number[]): PassiveEvidence => ({
  modelId: 'pad-texture-v3',
  threshold: 0.8,
  refuseBelow: 0.3,
  scores,
});
const motion = (
  blinks: number,
  parallax: number | null,
  faceChanges = 0,
): NaturalMotionSummary => ({
  framesWithFace: 30,
  runsMeasured: parallax === null ? 0 : 1,
  blinks: Array.from({ length: blinks }, (_, i) => ({
    startMs: i * 1000,
    endMs: i * 1000 + 120,
    depth: 0.2,
  })),
  parallax,
  yawSpread: 0.1,
  faceChanges,
  descriptorDistanceMax: 0.3,
  perFrame: [],
});
const live = passive([0.9, 0.95, 0.85, 0.92, 0.9, 0.91]);
const kiosk = { ...defaultDecisionPolicy, mode: 'kiosk' as const };
const passed: ChallengeState = {
  status: 'passed',
  completedMs: [1, 2],
  challenges: ['turn_left', 'blink'],
};

describe('liveness decision', () => {
  it('passes a recording with live texture and a blink or 3-D motion', () => {
    expect(decideLiveness({ passive: live, active: null, motion: motion(1, 0.01) })).toMatchObject({
      live: true,
      reasons: [],
    });
    const solid = decideLiveness({ passive: live, active: null, motion: motion(0, 0.4) });
    expect(solid.live).toBe(true);
    expect(solid.evidence).toEqual(['passive_texture_live', '3d_motion']);
  });

  it('fails closed on a missing passive model, missing motion, or too few scored frames', () => {
    expect(decideLiveness({ passive: null, active: null, motion: motion(2, 0.5) })).toMatchObject({
      live: false,
      reasons: ['passive_model_missing'],
    });
    expect(decideLiveness({ passive: live, active: null, motion: null })).toMatchObject({
      live: false,
      reasons: ['motion_missing'],
    });
    expect(
      decideLiveness({ passive: passive([0.99, 0.99]), active: null, motion: motion(2, 0.5) }),
    ).toMatchObject({ live: false, reasons: ['passive_too_few_frames'] });
    expect(
      decideLiveness({ passive: passive([]), active: null, motion: motion(2, 0.5) }).live,
    ).toBe(false);
  });

  it('fails closed on non-finite or out-of-range scores', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -0.1, 1.5]) {
      const d = decideLiveness({
        passive: passive([0.9, 0.9, 0.9, 0.9, 0.9, bad]),
        active: null,
        motion: motion(2, 0.5),
      });
      expect(d).toMatchObject({ live: false, reasons: ['passive_invalid_score'] });
    }
  });

  it('fails a moved photo (no blink, no 3-D motion) even when its texture looks live', () => {
    expect(decideLiveness({ passive: live, active: null, motion: motion(0, 0.02) })).toMatchObject({
      live: false,
      reasons: ['no_blink', 'no_3d_motion'],
    });
    expect(decideLiveness({ passive: live, active: null, motion: motion(0, null) }).live).toBe(
      false,
    );
    expect(
      decideLiveness({
        passive: passive([0.1, 0.2, 0.1, 0.3, 0.2]),
        active: null,
        motion: motion(3, 0.6),
      }),
    ).toMatchObject({ live: false, reasons: ['passive_attack'] });
    expect(
      decideLiveness({ passive: live, active: null, motion: motion(3, 0.6, 1) }),
    ).toMatchObject({ live: false, reasons: ['face_changed'] });
  });

  it('in a kiosk, needs the challenge passed: missing, failed or unfinished is not live', () => {
    expect(
      decideLiveness({ passive: live, active: passed, motion: motion(1, 0.3) }, kiosk).live,
    ).toBe(true);
    expect(
      decideLiveness({ passive: live, active: null, motion: motion(1, 0.3) }, kiosk),
    ).toMatchObject({ live: false, reasons: ['active_missing'] });
    const failed: ChallengeState = {
      status: 'failed',
      reason: 'planar_turn',
      challenge: 'turn_left',
      detail: '',
    };
    expect(
      decideLiveness({ passive: live, active: failed, motion: motion(1, 0.3) }, kiosk),
    ).toMatchObject({ live: false, reasons: ['active_planar_turn'] });
    expect(
      decideLiveness(
        { passive: live, active: { status: 'settling' }, motion: motion(1, 0.3) },
        kiosk,
      ),
    ).toMatchObject({ live: false, reasons: ['active_incomplete'] });
  });

  it('can ask for both a blink and 3-D motion', () => {
    const both = { ...defaultDecisionPolicy, natural: 'blink_and_3d' as const };
    expect(
      decideLiveness({ passive: live, active: null, motion: motion(0, 0.5) }, both),
    ).toMatchObject({ live: false, reasons: ['no_blink'] });
    expect(decideLiveness({ passive: live, active: null, motion: motion(1, 0.5) }, both).live).toBe(
      true,
    );
  });

  describe('the abstain band (refuse below 0.3, live from 0.8)', () => {
    const uncertain = passive([0.5, 0.6, 0.55, 0.45, 0.5, 0.6]);
    const attack = passive([0.1, 0.2, 0.15, 0.25, 0.1, 0.2]);
    const failed: ChallengeState = {
      status: 'failed',
      reason: 'wrong_action',
      challenge: 'blink',
      detail: '',
    };
    const onAbstain = { ...kiosk, challenge: 'on_abstain' as const };

    it('an uncertain score with the challenge answered is live, under either kiosk policy', () => {
      for (const policy of [kiosk, onAbstain]) {
        const d = decideLiveness(
          { passive: uncertain, active: passed, motion: motion(1, 0.3) },
          policy,
        );
        expect(d).toMatchObject({ live: true, reasons: [] });
        expect(d.evidence).toEqual(['passive_uncertain', 'blink', '3d_motion', 'challenge_passed']);
        expect(d.scores).toMatchObject({ passiveBand: 'uncertain', challengeNeeded: true });
      }
    });

    it('an uncertain score with the challenge failed or not answered is refused', () => {
      for (const policy of [kiosk, onAbstain]) {
        expect(
          decideLiveness({ passive: uncertain, active: failed, motion: motion(1, 0.3) }, policy),
        ).toMatchObject({ live: false, reasons: ['active_wrong_action'] });
        expect(
          decideLiveness({ passive: uncertain, active: null, motion: motion(1, 0.3) }, policy),
        ).toMatchObject({ live: false, reasons: ['active_missing'] });
      }
    });

    it('a confident attack score is refused even with the challenge answered', () => {
      for (const policy of [kiosk, onAbstain]) {
        const d = decideLiveness(
          { passive: attack, active: passed, motion: motion(2, 0.5) },
          policy,
        );
        expect(d).toMatchObject({ live: false, reasons: ['passive_attack'] });
        expect(d.scores.passiveBand).toBe('attack');
      }
    });

    it('on_abstain: a live score needs no challenge, but a failed one still refuses', () => {
      const d = decideLiveness({ passive: live, active: null, motion: motion(1, 0.3) }, onAbstain);
      expect(d).toMatchObject({ live: true, reasons: [] });
      expect(d.scores.challengeNeeded).toBe(false);
      expect(
        decideLiveness({ passive: live, active: failed, motion: motion(1, 0.3) }, onAbstain),
      ).toMatchObject({ live: false, reasons: ['active_wrong_action'] });
      // Always: a live score still needs the challenge.
      expect(
        decideLiveness({ passive: live, active: null, motion: motion(1, 0.3) }, kiosk),
      ).toMatchObject({ live: false, reasons: ['active_missing'] });
    });

    it('a recording cannot answer a challenge: an uncertain score is refused there', () => {
      expect(
        decideLiveness({ passive: uncertain, active: null, motion: motion(2, 0.5) }),
      ).toMatchObject({ live: false, reasons: ['passive_uncertain'] });
    });

    it('refuseBelow above the threshold is an invalid model, refused', () => {
      const inverted = { ...live, refuseBelow: 0.9 };
      expect(
        decideLiveness({ passive: inverted, active: passed, motion: motion(1, 0.3) }, kiosk),
      ).toMatchObject({ live: false, reasons: ['passive_invalid_score'] });
    });
  });
});
