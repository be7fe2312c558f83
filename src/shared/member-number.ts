// Member numbers: 10 digits, the first 1-9, the last a Damm check digit over the other nine, so a
// mistyped digit or two swapped neighbours is refused at the keypad or the hub before any PIN check.
import { assert } from './assert.ts';

export const memberNumberDigits = 10;

// The Damm algorithm's totally anti-symmetric quasigroup of order 10: it catches every single-digit
// error and every adjacent transposition (Luhn misses 09 <-> 90).
const damm: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

function dammInterim(digits: string): number {
  let interim = 0;
  for (const char of digits) {
    const next = damm[interim]?.[Number(char)];
    assert(next !== undefined, 'Damm digits are 0-9');
    interim = next;
  }
  return interim;
}

/** The check digit that makes `payload` (digits only) a valid Damm sequence. */
export function dammCheckDigit(payload: string): string {
  assert(/^\d+$/.test(payload), 'a Damm payload is digits only');
  return String(dammInterim(payload));
}

/** True for 10 digits, the first not 0, whose last digit is the Damm check digit of the first nine. */
export function isMemberNumber(value: string): boolean {
  return /^[1-9]\d{9}$/.test(value) && dammInterim(value) === 0;
}

/** A member number from nine payload digits (the first not 0): the payload and its check digit. */
export function memberNumberFromPayload(payload: string): string {
  assert(/^[1-9]\d{8}$/.test(payload), 'a member number payload is 9 digits, the first not 0');
  return payload + dammCheckDigit(payload);
}
