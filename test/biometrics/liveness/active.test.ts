// Active liveness on synthetic landmarks: EAR, blinks, the homography parallax cue (a 3-D head against
// a flat photo), and the challenge controller driven by a simulated person reacting to its prompts.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/shared/seeded-random.ts';
import { BlinkDetector } from '../../../src/biometrics/liveness/active/blink.ts';
import type {
  Challenge,
  ChallengeState,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import {
  ChallengeController,
  defaultChallengeOptions,
  drawChallenges,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import type { FacePlacement } from '../../../src/biometrics/liveness/active/ear.ts';
import { eyeAspectRatios } from '../../../src/biometrics/liveness/active/ear.ts';
import type { ActiveFace } from '../../../src/biometrics/liveness/active/face-continuity.ts';
import { planarParallax } from '../../../src/biometrics/liveness/active/parallax.ts';
import { yawOf } from '../../../src/biometrics/liveness/active/pose.ts';
import { boundingBox } from '../../../src/biometrics/geometry.ts';
import type { View } from './active-synthetic-face.ts';
import { kioskView, project, syntheticFace3d, syntheticLids } from './active-synthetic-face.ts';

const degrees = (d: number): number => (d * Math.PI) / 180;

function face(options: {
  yaw?: number;
  /** > 0 looks up; the head pivots on the neck, below and behind the eyes. */
  pitch?: number;
  eyeOpen?: number;
  flat?: boolean;
  view?: Partial<View>;
  descriptor?: Float32Array;
}): ActiveFace {
  const view: View = {
    ...kioskView,
    ...(options.flat === true ? { pivotZ: 0 } : {}),
    ...options.view,
    yaw: options.yaw ?? 0,
    ...(options.pitch === undefined ? {} : { pitch: options.pitch, pivotY: 1.2 }),
  };
  const landmarks = project(
    syntheticFace3d({ eyeOpen: options.eyeOpen ?? 1, flat: options.flat ?? false }),
    view,
  );
  return {
    box: boundingBox(landmarks),
    landmarks,
    eyes: syntheticLids(landmarks),
    descriptor: options.descriptor ?? null,
  };
}

interface Person {
  /** What the person does for a prompt; null ignores it. */
  answer: (challenge: Challenge) => Challenge | 'card_turn_left' | null;
  reactionMs: number;
  flat?: boolean;
  faceAt?: (t: number, base: ActiveFace) => ActiveFace | null;
}

/** Pose of an action `ms` after it started: blinks close for 150 ms, turns go 25 degrees and back,
 * looks 15 degrees and back. */
function pose(
  action: Challenge | 'card_turn_left' | null,
  ms: number,
): { yaw: number; eyeOpen: number; flat?: boolean; pitch?: number } {
  if (action === null || ms < 0) return { yaw: 0, eyeOpen: 1 };
  if (action === 'blink') return { yaw: 0, eyeOpen: ms < 150 ? 0.15 : 1 };
  const ramp = ms < 400 ? ms / 400 : ms < 700 ? 1 : Math.max(0, 1 - (ms - 700) / 400);
  if (action === 'card_turn_left') return { yaw: degrees(55) * ramp, eyeOpen: 1, flat: true };
  if (action === 'look_up' || action === 'look_down')
    return { yaw: 0, pitch: (action === 'look_up' ? 1 : -1) * degrees(15) * ramp, eyeOpen: 1 };
  return { yaw: (action === 'turn_left' ? 1 : -1) * degrees(25) * ramp, eyeOpen: 1 };
}

/** Plays a person at 30 fps against the controller for up to `seconds`; an action runs its course
 * (about 1.1 s for a turn and back) before the next prompt is answered. */
function play(controller: ChallengeController, person: Person, seconds = 20): ChallengeState {
  let promptKey = '';
  let actionStart = 0;
  let action: Challenge | 'card_turn_left' | null = null;
  for (let frame = 0; frame < seconds * 30; frame++) {
    const t = 1000 + (frame * 1000) / 30;
    const state = controller.state;
    const key = state.status === 'asking' ? `${state.index}` : '';
    const busy = action !== null && t - actionStart < 1200;
    if (key !== promptKey && !busy) {
      promptKey = key;
      action = state.status === 'asking' ? person.answer(state.challenge) : null;
      actionStart = t + person.reactionMs;
    }
    const p = pose(action, t - actionStart);
    const base = face({
      yaw: p.yaw,
      eyeOpen: p.eyeOpen,
      flat: p.flat ?? person.flat ?? false,
      ...(p.pitch === undefined ? {} : { pitch: p.pitch }),
    });
    const next = controller.observe({
      timestampMs: t,
      face: person.faceAt === undefined ? base : person.faceAt(t, base),
    });
    if (next.status === 'passed' || next.status === 'failed') return next;
  }
  return controller.state;
}

const obedient: Person = { answer: (c) => c, reactionMs: 300 };

describe('eye aspect ratio', () => {
  it('is about 0.3 for open eyes and under 0.05 for closed ones', () => {
    const open = eyeAspectRatios(face({ eyeOpen: 1 }).landmarks);
    const closed = eyeAspectRatios(face({ eyeOpen: 0.1 }).landmarks);
    expect(open.mean).toBeGreaterThan(0.27);
    expect(open.mean).toBeLessThan(0.33);
    expect(closed.mean).toBeLessThan(0.05);
    expect(open.left).toBeCloseTo(open.right, 3);
  });

  it('refuses a landmark set that is not 68 points', () => {
    expect(() => eyeAspectRatios(face({}).landmarks.slice(0, 60))).toThrow(/68/);
  });
});

describe('blink detector', () => {
  /** A face that holds still: each reading's placement, when the test does not move it. */
  const still: FacePlacement = { centre: { x: 320, y: 240 }, size: 160, aspect: 0.95, yaw: 0 };
  const series = (values: number[], fps = 30): { t: number; ear: number }[] =>
    values.map((ear, i) => ({ t: (i * 1000) / fps, ear }));
  const count = (values: number[]): number => {
    const detector = new BlinkDetector();
    // Closing lids shrink both ratios alike.
    return series(values).filter(
      ({ t, ear }) => detector.push(t, { openness: ear, ear, placement: still }).blink !== null,
    ).length;
  };
  const jitter = (i: number): number => 0.004 * Math.sin(i * 1.7);

  it('finds a 4-frame dip of the mesh + iris reading’s depth against this person’s own baseline', () => {
    const ears = Array.from({ length: 90 }, (_, i) => 0.31 + jitter(i));
    for (const i of [40, 41, 42, 43]) ears[i] = 0.18;
    expect(count(ears)).toBe(1);
  });

  it('takes the 68 points’ 15% dip for no blink: the kiosk’s bound is set for the mesh + iris lids', () => {
    const ears = Array.from({ length: 90 }, (_, i) => 0.31 + jitter(i));
    for (const i of [40, 41, 42, 43]) ears[i] = 0.26;
    expect(count(ears)).toBe(0);
  });

  it('adapts to a narrow-eyed person (baseline 0.2) and finds two blinks', () => {
    const ears = Array.from({ length: 120 }, (_, i) => 0.2 + jitter(i) / 2);
    for (const i of [30, 31, 32, 80, 81]) ears[i] = 0.1;
    expect(count(ears)).toBe(2);
  });

  it('ignores jitter, slow drifts and eyes held shut for a second', () => {
    expect(count(Array.from({ length: 120 }, (_, i) => 0.3 + jitter(i)))).toBe(0);
    expect(count(Array.from({ length: 150 }, (_, i) => 0.3 + 0.03 * Math.sin(i / 10)))).toBe(0);
    const shut = Array.from({ length: 120 }, (_, i) => 0.3 + jitter(i));
    for (let i = 40; i < 70; i++) shut[i] = 0.1;
    expect(count(shut)).toBe(0);
  });

  it('needs EAR to dip with openness: a dip in one ratio alone is the face changing shape', () => {
    const both = (openness: number[], ears: number[]): number => {
      const detector = new BlinkDetector();
      return openness.filter(
        (o, i) =>
          detector.push((i * 1000) / 30, { openness: o, ear: ears[i] ?? 0, placement: still })
            .blink !== null,
      ).length;
    };
    const open = Array.from({ length: 90 }, (_, i) => 0.31 + jitter(i));
    const dipped = [...open];
    for (const i of [40, 41, 42, 43]) dipped[i] = 0.18;
    expect(both(dipped, dipped)).toBe(1);
    expect(both(dipped, open)).toBe(0);
    expect(both(open, dipped)).toBe(0);
  });

  describe('at the kiosk’s low, irregular frame rates', () => {
    /** ~7 fps with the kiosk worker's gaps (it takes the newest frame whenever it is free). */
    const kioskTimes = (frames: number): number[] => {
      const random = seededRandom(11);
      const times = [0];
      for (let i = 1; i < frames; i++) times.push((times[i - 1] ?? 0) + 110 + 90 * random());
      return times;
    };
    /** One frame at `dip` reads both ratios 40% low (what the mesh + iris lids read for a blink; a jump
     * of the face can dip a reading as much). */
    const run = (options: {
      dip: number;
      placementAt?: (i: number) => FacePlacement;
      times?: number[];
    }): number => {
      const detector = new BlinkDetector();
      const times = options.times ?? kioskTimes(40);
      return times.filter((t, i) => {
        const value = (i === options.dip ? 0.18 : 0.31) + jitter(i);
        const placement = options.placementAt?.(i) ?? still;
        return detector.push(t, { openness: value, ear: value, placement }).blink !== null;
      }).length;
    };

    it('a one-frame dip on a steady face is a blink', () => {
      expect(run({ dip: 20 })).toBe(1);
    });

    it('not when the whole face stepped in that frame: a photo zoomed or panned, a lagging reading', () => {
      const stepped = (change: Partial<FacePlacement>) => (i: number) =>
        i === 20 ? { ...still, ...change } : still;
      // Chromium looping a pan-zoom photo clip: the face 13% smaller and a quarter of it aside.
      expect(
        run({ dip: 20, placementAt: stepped({ size: 139, centre: { x: 360, y: 240 } }) }),
      ).toBe(0);
      expect(run({ dip: 20, placementAt: stepped({ centre: { x: 360, y: 240 } }) })).toBe(0);
      expect(run({ dip: 20, placementAt: stepped({ size: 139 }) })).toBe(0);
      expect(run({ dip: 20, placementAt: stepped({ yaw: 0.2 }) })).toBe(0);
      // A card turning: the face narrows by 8% from one frame to the next.
      expect(run({ dip: 20, placementAt: stepped({ aspect: 0.875 }) })).toBe(0);
      // The face moving on from the dip frame (the step into the reopened frame) voids it as well.
      const after = (i: number) => (i >= 21 ? { ...still, centre: { x: 360, y: 240 } } : still);
      expect(run({ dip: 20, placementAt: after })).toBe(0);
      // A head drifting steadily (a tenth of its size a frame) still blinks.
      const drift = (i: number) => ({ ...still, centre: { x: 320 + 14 * i, y: 240 } });
      expect(run({ dip: 20, placementAt: drift })).toBe(1);
    });

    it('not when the frames around the dip are too far apart to have seen one close-and-open', () => {
      const times = kioskTimes(40);
      const late = times.map((t, i) => (i >= 21 ? t + 400 : t));
      expect(run({ dip: 20, times: late })).toBe(0);
      const early = times.map((t, i) => (i >= 20 ? t + 400 : t));
      expect(run({ dip: 20, times: early })).toBe(0);
    });
  });
});

describe('3-D turn cue: homography parallax and foreshortening', () => {
  it('a head turned 20 degrees moves the nose off the face plane; a photo turned 55 degrees does not', () => {
    const front = face({}).landmarks;
    const head = planarParallax(front, face({ yaw: degrees(20) }).landmarks);
    const cardFront = face({ flat: true }).landmarks;
    const cardView = { distance: 4 };
    const card = planarParallax(
      face({ flat: true, view: cardView }).landmarks,
      face({ flat: true, yaw: degrees(55), view: cardView }).landmarks,
    );
    expect(head?.horizontal).toBeGreaterThan(0.15);
    expect(Math.abs(yawOf(face({ yaw: degrees(20) }).landmarks) - yawOf(front))).toBeGreaterThan(
      0.2,
    );
    expect(card?.magnitude).toBeLessThan(0.01);
    // The flat card shrinks a lot for a small nose offset; the head the other way round.
    expect(card?.foreshortening).toBeGreaterThan(0.3);
    expect(head?.foreshortening).toBeLessThan(0.1);
    expect(
      Math.abs(
        yawOf(face({ flat: true, yaw: degrees(55), view: cardView }).landmarks) - yawOf(cardFront),
      ),
    ).toBeLessThan(0.1);
  });

  it('a photo moved, scaled and tilted is one homography away: parallax ~0', () => {
    const moved = planarParallax(
      face({ flat: true }).landmarks,
      face({ flat: true, yaw: degrees(30), view: { distance: 5, shift: { x: 40, y: -25 } } })
        .landmarks,
    );
    expect(moved?.magnitude).toBeLessThan(0.01);
  });
});

describe('challenge controller', () => {
  it('draws a reproducible order from a seeded source', () => {
    const orders = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) =>
      drawChallenges(['blink', 'turn_left', 'turn_right'], 3, seededRandom(s)).join('>'),
    );
    expect(orders).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) =>
        drawChallenges(['blink', 'turn_left', 'turn_right'], 3, seededRandom(s)).join('>'),
      ),
    );
    expect(new Set(orders).size).toBeGreaterThan(2);
    // Fisher-Yates with r = 0 each time swaps every element with the first: a known permutation.
    expect(drawChallenges(['blink', 'turn_left', 'turn_right'], 3, () => 0)).toEqual([
      'turn_left',
      'turn_right',
      'blink',
    ]);
    expect(() => drawChallenges(['blink'], 1, () => 1)).not.toThrow();
    expect(() => drawChallenges(['blink', 'turn_left'], 2, () => 1)).toThrow(/\[0, 1\)/);
  });

  it('passes a real head that answers every prompt, in any drawn order', () => {
    for (const seed of [1, 2, 3, 4]) {
      const controller = new ChallengeController(seededRandom(seed));
      const state = play(controller, obedient);
      expect(
        state,
        `seed ${seed}: ${controller.challenges.join('>')} ${JSON.stringify(state)}`,
      ).toMatchObject({
        status: 'passed',
      });
    }
  });

  it('reads the blink from the face’s lid reading (face mesh + iris), not from its 68 points', () => {
    const blinkOnly = { ...defaultChallengeOptions, pool: ['blink'] as Challenge[], count: 1 };
    const open = face({ eyeOpen: 1 });
    // The lids close while the 68 points stay open (face-api barely follows a lid): a blink.
    const lidsOnly: Person = {
      ...obedient,
      faceAt: (_t, base) => ({ ...base, box: open.box, landmarks: open.landmarks }),
    };
    expect(play(new ChallengeController(seededRandom(1), blinkOnly), lidsOnly)).toMatchObject({
      status: 'passed',
    });
    // The 68 points close but no lid was read (the mesh saw no face there): no blink.
    const unread: Person = { ...obedient, faceAt: (_t, base) => ({ ...base, eyes: null }) };
    expect(play(new ChallengeController(seededRandom(1), blinkOnly), unread)).toMatchObject({
      status: 'failed',
      reason: 'timeout',
    });
  });

  it('times out when nobody answers', () => {
    expect(
      play(new ChallengeController(seededRandom(1)), { answer: () => null, reactionMs: 0 }),
    ).toMatchObject({ status: 'failed', reason: 'timeout' });
  });

  it('fails the wrong action: a person who turns the other way, or follows a fixed script', () => {
    const opposite: Partial<Record<Challenge, Challenge>> = {
      turn_left: 'turn_right',
      turn_right: 'turn_left',
      look_up: 'look_down',
      look_down: 'look_up',
    };
    const mirror = (c: Challenge): Challenge => opposite[c] ?? c;
    const controller = new ChallengeController(seededRandom(2));
    const firstTurn = controller.challenges.find((c) => c !== 'blink');
    expect(play(controller, { answer: mirror, reactionMs: 300 })).toMatchObject({
      status: 'failed',
      reason: 'wrong_action',
      challenge: firstTurn,
    });
    const blinkAndTurns: Challenge[] = ['blink', 'turn_left', 'turn_right'];
    const scripted = new ChallengeController(() => 0, {
      ...defaultChallengeOptions,
      pool: blinkAndTurns,
    });
    expect(scripted.challenges).toEqual(['turn_left', 'turn_right', 'blink']);
    const script: Challenge[] = ['turn_right', 'turn_left', 'blink'];
    let next = 0;
    expect(play(scripted, { answer: () => script[next++] ?? null, reactionMs: 300 })).toMatchObject(
      { status: 'failed', reason: 'wrong_action' },
    );
  });

  it('fails a face that changes (box jump, other descriptor) or disappears', () => {
    const jump: Person = {
      ...obedient,
      faceAt: (t, base) =>
        t > 2500
          ? {
              ...base,
              box: { ...base.box, x: base.box.x + 300 },
              landmarks: base.landmarks.map((p) => ({ x: p.x + 300, y: p.y })),
            }
          : base,
    };
    expect(play(new ChallengeController(seededRandom(1)), jump)).toMatchObject({
      status: 'failed',
      reason: 'face_changed',
    });
    const a = new Float32Array(128).fill(0);
    a[0] = 1;
    const b = new Float32Array(128).fill(0);
    b[1] = 1;
    const swap: Person = {
      ...obedient,
      faceAt: (t, base) => ({ ...base, descriptor: t > 2500 ? b : a }),
    };
    expect(play(new ChallengeController(seededRandom(1)), swap)).toMatchObject({
      status: 'failed',
      reason: 'face_changed',
    });
    const gone: Person = { ...obedient, faceAt: (t, base) => (t > 2500 ? null : base) };
    expect(play(new ChallengeController(seededRandom(1)), gone)).toMatchObject({
      status: 'failed',
      reason: 'face_lost',
    });
  });

  it('fails answers faster than a human: no reaction time, or a head that teleports', () => {
    const controller = new ChallengeController(() => 0);
    expect(play(controller, { answer: (c) => c, reactionMs: 0 })).toMatchObject({
      status: 'failed',
      reason: 'too_fast',
    });
    const teleport = new ChallengeController(() => 0);
    const jumpy: Person = {
      ...obedient,
      faceAt: (t, base) => (t > 1600 && t < 1700 ? face({ yaw: degrees(30) }) : base),
    };
    expect(play(teleport, jumpy)).toMatchObject({ status: 'failed', reason: 'too_fast' });
  });

  it('takes the last turn as the answer: the head need not come back to frontal first', () => {
    // A head that turns as asked and stays turned: turns pass on the turn, but only the last one passes
    // without coming back (the next prompt needs a frontal start).
    // She starts turning 400 ms after the first prompt (the first frame at 1,000 ms, then the settle).
    const turnsFrom = 1000 + defaultChallengeOptions.settleMs + 400;
    const staysTurned = (challenge: Challenge): Person => ({
      answer: (c) => c,
      reactionMs: 300,
      faceAt: (t, base) => {
        const sign = challenge === 'turn_left' ? 1 : -1;
        const turned = Math.min(1, (t - turnsFrom) / 400);
        return t > turnsFrom ? face({ yaw: sign * degrees(25) * turned }) : base;
      },
    });
    for (const challenge of ['turn_left', 'turn_right'] as const) {
      const one = { ...defaultChallengeOptions, pool: [challenge], count: 1 };
      let lastMs = 0;
      const person = staysTurned(challenge);
      const state = play(new ChallengeController(seededRandom(1), one), {
        ...person,
        faceAt: (t, base) => {
          lastMs = t;
          return person.faceAt?.(t, base) ?? base;
        },
      });
      expect(state, challenge).toMatchObject({ status: 'passed' });
      expect(lastMs, 'passed on the turned frames, not seconds later').toBeLessThan(2500);
    }
    const two = { ...defaultChallengeOptions, pool: ['turn_left', 'turn_right'] as Challenge[] };
    const first = new ChallengeController(() => 0, { ...two, count: 2 });
    expect(first.challenges).toEqual(['turn_right', 'turn_left']);
    expect(play(first, staysTurned('turn_right'))).toMatchObject({
      status: 'failed',
      reason: 'timeout',
    });
  });

  it('fails a photo: it cannot blink, and a card turned 55 degrees is no head turn', () => {
    const photo: Person = {
      answer: (c) => (c === 'blink' ? null : 'card_turn_left'),
      reactionMs: 300,
      flat: true,
    };
    for (const seed of [1, 2, 3]) {
      const state = play(new ChallengeController(seededRandom(seed)), photo);
      expect(state.status).toBe('failed');
      expect(['timeout', 'planar_turn', 'wrong_action']).toContain(
        state.status === 'failed' ? state.reason : '',
      );
    }
  });
});
