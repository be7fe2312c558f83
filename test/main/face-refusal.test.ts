// Which screen a refused face session shows: the shopper's own slips are named (with the move asked), so
// the retry can succeed; anything only an attack gives keeps the generic screen, whatever came with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faceRefusal, faceRefusalCodes } from '../../src/renderer/face/face-refusal.ts';
import { challengeKinds } from '../../src/shared/challenge-kinds.ts';

describe('faceRefusal', () => {
  it('names the move asked for a wrong move and for a move not seen in time', () => {
    expect(
      faceRefusal({ reasons: ['active_wrong_action', 'no_blink'], challenge: 'turn_left' }),
    ).toEqual({ code: 'challenge_wrong_move', challenge: 'turn_left' });
    expect(faceRefusal({ reasons: ['active_timeout'], challenge: 'look_down' })).toEqual({
      code: 'challenge_missed',
      challenge: 'look_down',
    });
    // The session's own clock ran out while the challenge was still asking.
    expect(
      faceRefusal({ reasons: ['timeout', 'active_incomplete'], challenge: 'turn_right' }),
    ).toEqual({ code: 'challenge_missed', challenge: 'turn_right' });
  });

  it("says the shopper's other slips: too quick, out of view, another face", () => {
    expect(faceRefusal({ reasons: ['active_too_fast'], challenge: null }).code).toBe(
      'challenge_too_fast',
    );
    expect(faceRefusal({ reasons: ['active_face_lost'], challenge: 'blink' }).code).toBe(
      'face_left_view',
    );
    expect(faceRefusal({ reasons: ['face_changed'], challenge: null }).code).toBe('face_changed');
    expect(faceRefusal({ reasons: ['active_face_changed'], challenge: 'turn_left' })).toEqual({
      code: 'face_changed',
      challenge: null,
    });
  });

  it('keeps the generic screen when an attack reason is among the reasons', () => {
    for (const attack of [
      'passive_attack',
      'passive_invalid_score',
      'active_planar_turn',
      'active_planar_look',
    ])
      for (const slip of ['active_wrong_action', 'active_timeout', 'face_changed', 'timeout'])
        expect(faceRefusal({ reasons: [slip, attack], challenge: 'turn_left' })).toEqual({
          code: 'liveness_failed',
          challenge: null,
        });
  });

  it('a time-out with no move being asked is the plain time-out; anything else the generic screen', () => {
    expect(faceRefusal({ reasons: ['timeout', 'no_blink'], challenge: null }).code).toBe(
      'face_timeout',
    );
    // Timed out settling (no steady frontal face): no move was asked, so none can be named.
    expect(faceRefusal({ reasons: ['active_timeout'], challenge: null }).code).toBe('face_timeout');
    expect(faceRefusal({ reasons: ['passive_uncertain'], challenge: null }).code).toBe(
      'liveness_failed',
    );
    expect(faceRefusal({ reasons: [], challenge: null }).code).toBe('liveness_failed');
  });

  it.each(['ja', 'en'])('every screen it picks and every move it names has words in %s', (lang) => {
    const file = join(
      import.meta.dirname,
      '..',
      '..',
      'src',
      'renderer',
      'locales',
      `${lang}.json`,
    );
    const error = (JSON.parse(readFileSync(file, 'utf8')) as { error: Record<string, unknown> })
      .error as Record<string, Record<string, string>>;
    for (const code of faceRefusalCodes) {
      expect(error[code]?.title, code).toMatch(/\S/);
      expect(error[code]?.body, code).toMatch(/\S/);
    }
    for (const code of ['challenge_wrong_move', 'challenge_missed'])
      expect(error[code]?.body, code).toContain('{{move}}');
    const moves = challengeKinds.map((kind) => error.moves?.[kind]);
    moves.forEach((text) => expect(text).toMatch(/\S/));
    expect(new Set(moves).size).toBe(challengeKinds.length);
  });
});
