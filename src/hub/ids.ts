// Hub-chosen identifiers: a readable prefix, the creation time, and 80 random bits. Unguessable, and
// time-ordered so new rows land at the right edge of the id indexes instead of on random pages
// (profiled: random ids made every commit write a fresh index page per row). Also member numbers.
import { randomBytes, randomInt } from 'node:crypto';
import { memberNumberFromPayload } from '../shared/member-number.ts';

export type IdPrefix =
  'hold' | 'acc' | 'cli' | 'stl' | 'rfd' | 'trf' | 'lim' | 'per' | 'tpl' | 'ksk';

// Crockford base32: its characters sort in ASCII order, so the ids sort by time.
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const randomBytesPerId = 10;
const poolBytes = randomBytesPerId * 256;
let pool = randomBytes(poolBytes);
let offset = 0;

function timePart(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = (alphabet[rest % 32] ?? '0') + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function randomPart(): string {
  if (offset + randomBytesPerId > poolBytes) {
    pool = randomBytes(poolBytes);
    offset = 0;
  }
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; i < randomBytesPerId; i++) {
    value = (value << 8) | (pool[offset + i] ?? 0);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(value >> bits) & 31];
    }
  }
  offset += randomBytesPerId;
  return out;
}

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  return `${prefix}_${timePart(nowMs)}${randomPart()}`;
}

/**
 * A random member number (9 x 10^8 possible): random rather than sequential so that one number says
 * nothing about the next. The caller checks it was never issued before (numbers are never reused).
 */
export function newMemberNumber(): string {
  return memberNumberFromPayload(String(randomInt(100_000_000, 1_000_000_000)));
}
