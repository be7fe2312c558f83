// The Idempotency-Key a hold was placed under, as the hold keeps it: a hash bound to the placing client,
// so only that client, asking with the same key, finds the hold (GET /v1/holds?payer=&idempotencyKey=).
import { createHash } from 'node:crypto';
import { assert } from '../../shared/assert.ts';
import { idempotencyKeyLengthMax } from '../../shared/limits.ts';

export const placedKeyHashBytes = 32;

/**
 * SHA-256 of the client id and the key, length-prefixed so no two (client, key) pairs share an input:
 * another client asking with the same key computes another hash and finds nothing.
 */
export function placedKeyHash(clientId: string, key: string): Uint8Array {
  assert(clientId.length > 0, 'a client id');
  assert(key.length >= 1 && key.length <= idempotencyKeyLengthMax, 'an Idempotency-Key in bounds');
  const hash = createHash('sha256')
    .update(`${clientId.length}:${clientId}:`, 'utf8')
    .update(key, 'utf8')
    .digest();
  assert(hash.length === placedKeyHashBytes, 'a SHA-256 digest');
  return Uint8Array.from(hash);
}
