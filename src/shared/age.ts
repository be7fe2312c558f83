// Age from a verified date of birth, the same rule for the hub (child accounts, age-restricted sales)
// and the enrolment station (a child is enrolled under a guardian): completed years on the UTC day.
import { assert } from './assert.ts';
import { adultAgeYears } from './limits.ts';

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
