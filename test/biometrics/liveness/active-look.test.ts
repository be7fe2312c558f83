// The look-up / look-down challenges on the synthetic 3-D head and photo card: a head that tips when asked
// passes, the wrong way or too soon refuses, and a card tilted back never passes for a head.
import { describe, expect, it } from 'vitest';
import type { Point } from '../../../src/biometrics/geometry.ts';
import { boundingBox } from '../../../src/biometrics/geometry.ts';
import type {
  Challenge,
  ChallengeOptions,
  ChallengeState,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import {
  ChallengeController,
  defaultChallengeOptions,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import type { ActiveFace } from '../../../src/biometrics/liveness/active/face-continuity.ts';
import { planarParallax } from '../../../src/biometrics/liveness/active/parallax.ts';
import { pitchOf, readablePitchOf } from '../../../src/biometrics/liveness/active/pose.ts';
import { seededRandom } from '../../../src/shared/seeded-random.ts';
import type { View } from './active-synthetic-face.ts';
import { kioskView, project, syntheticFace3d, syntheticLids } from './active-synthetic-face.ts';

const degrees = (d: number): number => (d * Math.PI) / 180;

/** A head pivots on the neck, below and behind the eyes; a card tilts about its own middle. */
function face(options: {
  pitch?: number;
  yaw?: number;
  flat?: boolean;
  imaginedNoseLift?: number;
}): ActiveFace {
  const flat = options.flat ?? false;
  const view: View = {
    ...kioskView,
    ...(flat ? { pivotZ: 0, pivotY: 0.5 } : { pivotY: 1.2 }),
    pitch: options.pitch ?? 0,
    yaw: options.yaw ?? 0,
  };
  const projected = project(syntheticFace3d({ eyeOpen: 1, flat }), view);
  // A landmark net half-imagines a tilted photo's pose: it draws the nose (27-35) higher than it is.
  const lift = (options.imaginedNoseLift ?? 0) * (projected[45]!.x - projected[36]!.x);
  const landmarks = projected.map((p, i) => (i >= 27 && i <= 35 ? { x: p.x, y: p.y - lift } : p));
  return {
    box: boundingBox(landmarks),
    landmarks,
    eyes: syntheticLids(landmarks),
    descriptor: null,
  };
}

/** Degrees of pitch (> 0 up) or yaw `ms` after the move began: out in 400 ms, held 300 ms, back in 400. */
function ramp(ms: number): number {
  if (ms < 0) return 0;
  return ms < 400 ? ms / 400 : ms < 700 ? 1 : Math.max(0, 1 - (ms - 700) / 400);
}

type Move = 'look_up' | 'look_down' | 'turn_left' | 'card_tilt_back' | 'imagined_tilt' | null;

function poseOf(
  move: Move,
  ms: number,
): { pitch: number; yaw: number; flat: boolean; imaginedNoseLift?: number } {
  const r = ramp(ms);
  // The net imagines in proportion to the card's foreshortening (0.1 eye distances at 50 degrees).
  if (move === 'imagined_tilt')
    return {
      pitch: degrees(50) * r,
      yaw: 0,
      flat: true,
      imaginedNoseLift: (0.1 * (1 - Math.cos(degrees(50) * r))) / (1 - Math.cos(degrees(50))),
    };
  if (move === 'look_up') return { pitch: degrees(15) * r, yaw: 0, flat: false };
  if (move === 'look_down') return { pitch: -degrees(15) * r, yaw: 0, flat: false };
  if (move === 'turn_left') return { pitch: 0, yaw: degrees(25) * r, flat: false };
  if (move === 'card_tilt_back') return { pitch: degrees(50) * r, yaw: 0, flat: true };
  return { pitch: 0, yaw: 0, flat: false };
}

/** A photo card is a card before and after it moves, too. */
const isCard = (move: Move): boolean => move === 'card_tilt_back' || move === 'imagined_tilt';

/** Plays a person (or a card) at 30 fps: each prompt is answered by `answer` after `reactionMs`. */
function play(
  controller: ChallengeController,
  answer: (asked: Challenge) => Move,
  reactionMs = 300,
): ChallengeState {
  const card = isCard(answer('look_up'));
  let promptKey = '';
  let moveStart = 0;
  let move: Move = null;
  for (let frame = 0; frame < 20 * 30; frame++) {
    const t = 1000 + (frame * 1000) / 30;
    const state = controller.state;
    const key = state.status === 'asking' ? `${state.index}` : '';
    if (key !== promptKey && !(move !== null && t - moveStart < 1200)) {
      promptKey = key;
      move = state.status === 'asking' ? answer(state.challenge) : null;
      moveStart = t + reactionMs;
    }
    const pose =
      move === null && card ? { ...poseOf(null, 0), flat: true } : poseOf(move, t - moveStart);
    const next = controller.observe({ timestampMs: t, face: face(pose) });
    if (next.status === 'passed' || next.status === 'failed') return next;
  }
  return controller.state;
}

function asking(pool: readonly Challenge[], count = pool.length): ChallengeController {
  const options: ChallengeOptions = { ...defaultChallengeOptions, pool, count };
  return new ChallengeController(seededRandom(7), options);
}

/** The fit folded as on a face in profile: the mouth (48-67) drawn up onto the eye line. */
function collapsed(landmarks: readonly Point[]): Point[] {
  const eyeY = landmarks[36]!.y;
  return landmarks.map((p, i) => (i >= 48 ? { x: p.x, y: eyeY } : p));
}

const asTold = (asked: Challenge): Move =>
  asked === 'look_up' || asked === 'look_down' || asked === 'turn_left' ? asked : null;

describe('look-up / look-down pose and 3-D cue', () => {
  it('a head tipped 15 degrees changes pitch and moves the nose off the face plane; a card tilted 50 degrees does neither', () => {
    const front = face({}).landmarks;
    const up = face({ pitch: degrees(15) }).landmarks;
    const down = face({ pitch: -degrees(15) }).landmarks;
    expect(pitchOf(up) - pitchOf(front)).toBeLessThan(-defaultChallengeOptions.lookPitch);
    expect(pitchOf(down) - pitchOf(front)).toBeGreaterThan(defaultChallengeOptions.lookPitch);
    expect(planarParallax(front, up)?.vertical).toBeLessThan(
      -defaultChallengeOptions.lookParallaxMin,
    );
    expect(planarParallax(front, down)?.vertical).toBeGreaterThan(
      defaultChallengeOptions.lookParallaxMin,
    );
    const cardFront = face({ flat: true }).landmarks;
    const card = face({ flat: true, pitch: degrees(50) }).landmarks;
    expect(Math.abs(pitchOf(card) - pitchOf(cardFront))).toBeLessThan(0.05);
    const cardParallax = planarParallax(cardFront, card);
    expect(Math.abs(cardParallax?.vertical ?? 1)).toBeLessThan(0.01);
    // The card shortens a lot for no pitch change: what the shrink ratio refuses.
    expect(cardParallax?.verticalForeshortening).toBeGreaterThan(0.2);
  });
});

describe('look challenges', () => {
  it('passes a head that looks up, then down, when asked, coming back level between', () => {
    for (const order of [
      ['look_up', 'look_down'],
      ['look_down', 'look_up'],
    ] as const) {
      const controller = asking(order);
      const state = play(controller, asTold);
      expect(controller.challenges).toHaveLength(2);
      expect(state).toMatchObject({ status: 'passed' });
      if (state.status === 'passed') expect(state.completedMs).toHaveLength(2);
    }
  });

  it('passes with looks mixed with a turn and a blink in the pool', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const options = {
        ...defaultChallengeOptions,
        pool: ['turn_left', 'look_up', 'look_down'] as const,
      };
      const controller = new ChallengeController(seededRandom(seed), { ...options, count: 2 });
      expect(play(controller, asTold)).toMatchObject({ status: 'passed' });
    }
  });

  it('refuses looking down when asked to look up, and up when asked down', () => {
    expect(play(asking(['look_up']), () => 'look_down')).toMatchObject({
      status: 'failed',
      reason: 'wrong_action',
    });
    expect(play(asking(['look_down']), () => 'look_up')).toMatchObject({
      status: 'failed',
      reason: 'wrong_action',
    });
  });

  it('refuses a turn when asked to look up', () => {
    expect(play(asking(['look_up']), () => 'turn_left')).toMatchObject({
      status: 'failed',
      reason: 'wrong_action',
    });
  });

  it('refuses a look that begins before a person could have read the prompt', () => {
    expect(play(asking(['look_up']), () => 'look_up', -200)).toMatchObject({
      status: 'failed',
      reason: 'too_fast',
    });
  });

  it('never passes a photo card tilted back and forth when asked to look up', () => {
    const state = play(asking(['look_up']), () => 'card_tilt_back');
    expect(state.status).toBe('failed');
    expect(['timeout', 'planar_look']).toContain(state.status === 'failed' ? state.reason : '');
  });

  it('refuses a tilted card whose nose the landmark net draws higher: it shrinks more than it tips', () => {
    // The imagined lift passes the pitch and parallax bounds alone; only the shrink ratio stops it.
    const cardFront = face({ flat: true }).landmarks;
    const card = face({ flat: true, pitch: degrees(50), imaginedNoseLift: 0.1 }).landmarks;
    const pitchChange = pitchOf(card) - pitchOf(cardFront);
    const parallax = planarParallax(cardFront, card);
    expect(pitchChange).toBeLessThan(-defaultChallengeOptions.lookPitch);
    expect(-(parallax?.vertical ?? 0)).toBeGreaterThan(defaultChallengeOptions.lookParallaxMin);
    expect(parallax?.verticalForeshortening).toBeGreaterThan(-pitchChange);
    expect(play(asking(['look_up']), () => 'imagined_tilt')).toMatchObject({
      status: 'failed',
      reason: 'planar_look',
    });
  });

  it('skips a frame whose landmark fit collapsed (mouth at the eye line) instead of reading a jump', () => {
    const controller = asking(['look_up']);
    let state: ChallengeState = controller.state;
    for (let frame = 0; frame < 150 && state.status !== 'passed'; frame++) {
      const t = 1000 + (frame * 1000) / 30;
      const head = face({ pitch: frame > 30 ? degrees(15) * ramp((frame - 30) * 33) : 0 });
      // One frame in the prompt's wait as a profile reads: the fit folds the mouth up onto the eyes.
      const eyeY = head.landmarks[36]!.y;
      const landmarks =
        frame === 25
          ? head.landmarks.map((p, i) => (i >= 48 ? { x: p.x, y: eyeY } : p))
          : head.landmarks;
      state = controller.observe({ timestampMs: t, face: { ...head, landmarks } });
    }
    expect(readablePitchOf(collapsed(face({}).landmarks))).toBeNull();
    expect(state).toMatchObject({ status: 'passed' });
  });

  it('reads no pitch where the fit folded the mouth onto the eye line but left its corners below', () => {
    const landmarks = face({}).landmarks;
    const eyeY = (landmarks[36]!.y + landmarks[45]!.y) / 2;
    const corners = (landmarks[48]!.y + landmarks[54]!.y) / 2;
    // The 18 other mouth points a little above the eye line, so the mouth's mean sits on it.
    const folded = landmarks.map((p, i) =>
      i >= 48 && i !== 48 && i !== 54 ? { x: p.x, y: eyeY - (2 * (corners - eyeY)) / 18 } : p,
    );
    expect(Math.abs(pitchOf(folded))).toBeGreaterThan(100);
    expect(readablePitchOf(folded)).toBeNull();
    expect(readablePitchOf(landmarks)).toBeCloseTo(pitchOf(landmarks), 9);
  });

  it('refuses a pitch that jumps faster than a head moves (a swapped picture)', () => {
    const controller = asking(['look_up']);
    let state: ChallengeState = controller.state;
    for (let frame = 0; frame < 60 && state.status !== 'failed'; frame++) {
      const t = 1000 + (frame * 1000) / 30;
      // Level until the prompt has shown for 0.5 s, then a picture of a head 30 degrees up.
      const up = controller.state.status === 'asking' && frame > 40;
      state = controller.observe({ timestampMs: t, face: face({ pitch: up ? degrees(30) : 0 }) });
    }
    expect(state).toMatchObject({ status: 'failed', reason: 'too_fast' });
  });
});
