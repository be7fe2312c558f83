// Hub-chosen identifiers: a readable prefix and 96 random bits, unguessable so ids leak nothing.
import { randomBytes } from 'node:crypto';

export type IdPrefix = 'hold' | 'acc' | 'cli' | 'stl' | 'rfd' | 'trf' | 'lim' | 'per' | 'tpl';

// One system call fills many ids: 12 random bytes each, drawn from a pool refilled when spent.
const poolBytes = 12 * 256;
let pool = randomBytes(poolBytes);
let offset = 0;

export function newId(prefix: IdPrefix): string {
  if (offset + 12 > poolBytes) {
    pool = randomBytes(poolBytes);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + 12);
  offset += 12;
  return `${prefix}_${id}`;
}
