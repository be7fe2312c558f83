// The kinds of the active liveness challenge, named once for the controller, the kiosk's config and the
// kiosk API: a deployment may leave kinds out of its pool, never going below challengePoolMin of them.

export const challengeKinds = ['blink', 'turn_left', 'turn_right', 'look_up', 'look_down'] as const;
export type Challenge = (typeof challengeKinds)[number];

/**
 * The kiosk draws two challenges in order from its pool, so a recording that performs one fixed order
 * passes 1 in k(k-1) orders by chance: 1 in 20 with all five kinds, 1 in 6 with three, 1 in 2 with two.
 * Below three the drawn order no longer defends anything.
 */
export const challengePoolMin = 3;

export function isChallenge(value: unknown): value is Challenge {
  return challengeKinds.some((kind) => kind === value);
}
