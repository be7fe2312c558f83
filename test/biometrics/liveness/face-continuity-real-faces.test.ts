// Face continuity on real descriptors of two different people (the production engine on photo 1 of
// faces/facerec_biden and faces/facerec_alex_lacamoire): one in the place of the other, at the same box,
// is another face. Before, descriptorDistanceMax was 0.8, above every pair of different people of faces/
// and faces2/ (at most 0.704): only a box jump could call a swap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine } from '../../../src/biometrics/engine.node.ts';
import type { FaceEngine, FaceObservation } from '../../../src/biometrics/engine.ts';
import { ChallengeController } from '../../../src/biometrics/liveness/active/challenge.ts';
import type { ActiveFace } from '../../../src/biometrics/liveness/active/face-continuity.ts';
import {
  defaultContinuityOptions,
  descriptorDistanceOf,
  FaceContinuity,
} from '../../../src/biometrics/liveness/active/face-continuity.ts';
import { seededRandom } from '../../../src/shared/seeded-random.ts';
import { decodeFace } from '../face-helpers.ts';

let engine: FaceEngine;
let biden: { face: FaceObservation; descriptor: Float32Array };
let alex: { face: FaceObservation; descriptor: Float32Array };

async function read(
  relative: string,
): Promise<{ face: FaceObservation; descriptor: Float32Array }> {
  const result = await engine.processFrame(await decodeFace(relative));
  if (!result.ok) throw new Error(`${relative}: ${result.reason}`);
  return { face: result.face, descriptor: result.descriptor };
}

beforeAll(async () => {
  engine = await createFaceEngine();
  biden = await read('facerec_biden/1.jpg');
  alex = await read('facerec_alex_lacamoire/1.jpg');
}, 120_000);
afterAll(() => {
  engine.dispose();
});

/** Biden's box and landmarks (no box jump, a steady frontal pose) with `descriptor`. */
function at(descriptor: Float32Array): ActiveFace {
  return { box: biden.face.box, landmarks: biden.face.landmarks, eyes: null, descriptor };
}

describe('face continuity on two real people at the same place', () => {
  it('the two are farther apart than the same-person bound', () => {
    expect(descriptorDistanceOf(biden.descriptor, alex.descriptor)).toBeGreaterThan(
      defaultContinuityOptions.descriptorDistanceMax,
    );
  });

  it('one then the other is face_changed; the same one again is not', () => {
    const continuity = new FaceContinuity();
    expect(continuity.check({ timestampMs: 0, face: at(biden.descriptor) })).toBeNull();
    expect(continuity.check({ timestampMs: 100, face: at(biden.descriptor) })).toBeNull();
    expect(continuity.check({ timestampMs: 200, face: at(alex.descriptor) })).toBe('face_changed');
  });

  it('a challenge fed one then the other fails face_changed', () => {
    const controller = new ChallengeController(seededRandom(1));
    controller.observe({ timestampMs: 0, face: at(biden.descriptor) });
    controller.observe({ timestampMs: 100, face: at(biden.descriptor) });
    const state = controller.observe({ timestampMs: 200, face: at(alex.descriptor) });
    expect(state).toMatchObject({ status: 'failed', reason: 'face_changed' });
  });
});
