// Small pure rules about people: age from a verified date of birth, whether an account is a child's,
// and the masked name a shop's screen may show. Category ages live in src/shared/categories.ts.
import { assert } from '../../shared/assert.ts';
import { adultAgeYears } from '../../shared/limits.ts';

/** Completed years on the UTC day of `atMs`. */
export function ageYears(dateOfBirth: string, atMs: number): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
  assert(match !== null, 'date of birth is YYYY-MM-DD');
  const [, y = '0', m = '0', d = '0'] = match;
  const at = new Date(atMs);
  let age = at.getUTCFullYear() - Number(y);
  const beforeBirthday =
    at.getUTCMonth() + 1 < Number(m) ||
    (at.getUTCMonth() + 1 === Number(m) && at.getUTCDate() < Number(d));
  if (beforeBirthday) age -= 1;
  return age;
}

export function isChild(dateOfBirth: string, atMs: number): boolean {
  return ageYears(dateOfBirth, atMs) < adultAgeYears;
}

/** "Hanako Yamada" -> "H***** Y*****": enough for the person to recognise, little for onlookers. */
export function maskDisplayName(name: string): string {
  return name
    .trim()
    .split(/\s+/u)
    .map((word) => {
      const [first = ''] = Array.from(word);
      return first + '*'.repeat(Math.max(1, Math.min(5, Array.from(word).length - 1)));
    })
    .join(' ');
}
