// Which failure screen a refused face session shows: a shopper who turned the wrong way, moved too soon
// or too quickly, did not move, or left the camera's view is told that, and the move asked, so the retry
// can succeed. What only an attack does (a flat picture's move, a confident passive attack score, a score
// that is no number) keeps the one generic screen: the kiosk does not tell an attacker which check
// caught the picture.
import type { Challenge } from '../../shared/challenge-kinds.ts';

/** The failure screens of a face session, each with its own words (error.<code> in the locales). */
export const faceRefusalCodes = [
  'liveness_failed',
  'face_timeout',
  'face_changed',
  'face_left_view',
  'challenge_wrong_move',
  'challenge_too_fast',
  'challenge_missed',
] as const;

export type FaceRefusalCode = (typeof faceRefusalCodes)[number];

export interface FaceRefusal {
  readonly code: FaceRefusalCode;
  /** The move the screen names (challenge_wrong_move, challenge_missed); null for every other code. */
  readonly challenge: Challenge | null;
}

/** Reasons only an attack gives: one of them keeps the generic screen, whatever else went wrong. */
const attackReasons: ReadonlySet<string> = new Set([
  'passive_attack',
  'passive_invalid_score',
  'active_planar_turn',
  'active_planar_look',
]);

/** The screen for a session's refusal: its reasons, and the challenge asked when it ended. */
export function faceRefusal(refused: {
  readonly reasons: readonly string[];
  readonly challenge: Challenge | null;
}): FaceRefusal {
  const reasons = refused.reasons;
  const has = (reason: string) => reasons.includes(reason);
  const plain = (code: FaceRefusalCode): FaceRefusal => ({ code, challenge: null });
  if (reasons.some((reason) => attackReasons.has(reason))) return plain('liveness_failed');
  if (has('face_changed') || has('active_face_changed')) return plain('face_changed');
  const asked = refused.challenge;
  if (has('active_wrong_action') && asked !== null)
    return { code: 'challenge_wrong_move', challenge: asked };
  if (has('active_too_fast')) return plain('challenge_too_fast');
  if (has('active_face_lost')) return plain('face_left_view');
  // The challenge's own clock, or the session's while a move was asked: the move was not seen.
  const missed = has('active_timeout') || (has('timeout') && has('active_incomplete'));
  if (missed && asked !== null) return { code: 'challenge_missed', challenge: asked };
  if (has('timeout') || has('active_timeout')) return plain('face_timeout');
  return plain('liveness_failed');
}

/** The locale key of a move's words, which the refusal screens name (error.moves.<move>). */
export function moveWordsKey(challenge: Challenge): string {
  return `error.moves.${challenge}`;
}

/** The words for the move a refusal names, in the screen's language; empty where it names none. */
export function moveWords(
  t: (key: string) => string,
  challenge: Challenge | null | undefined,
): string {
  return challenge == null ? '' : t(moveWordsKey(challenge));
}
