// Hub-chosen identifiers: a readable prefix and 96 random bits, unguessable so ids leak nothing.
import { randomBytes } from 'node:crypto';

export type IdPrefix = 'hold' | 'acc' | 'cli' | 'stl' | 'rfd' | 'trf' | 'lim' | 'per' | 'tpl';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
