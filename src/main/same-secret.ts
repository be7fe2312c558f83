// Compares a secret the kiosk was given (a bearer token, the operator PIN) with the expected one in
// constant time: both are hashed first, so neither their contents nor their lengths leak through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
