// Hands the deployment's cancelable-transform key to a registered kiosk: the kiosk asks with a signed,
// fresh request; the hub seals the key to the kiosk's X25519 key; only that kiosk can open it.
import { assert } from '../../shared/assert.ts';
import { templateKeyBytes } from '../../shared/limits.ts';
import { CancelableTransform, transformKeyId } from './cancelable-transform.ts';
import {
  provisionDigest,
  signFreshKioskRequest,
  type SignedKioskRequest,
} from './kiosk-attestation.ts';
import { fail, ok } from './result.ts';
import type { Result } from './result.ts';
import { sodium } from './sodium.ts';

const boxKeyBytes = 32; // crypto_box_PUBLICKEYBYTES == crypto_box_SECRETKEYBYTES
const sealOverheadBytes = 48; // crypto_box_SEALBYTES

export type ProvisionErrorCode = 'transform_key_unopenable' | 'transform_key_mismatch';

export interface KioskBoxKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** Kiosk side: the body of `POST /v1/kiosks/:id/transform-key` (fresh nonce, signed). */
export function signProvisionRequest(options: {
  kioskId: string;
  signingSecretKey: Uint8Array;
  nowMs: number;
}): SignedKioskRequest {
  return signFreshKioskRequest(options, (nonce, timestamp) =>
    provisionDigest({ kioskId: options.kioskId, nonce, timestamp }),
  );
}

/** Hub side: the transform key sealed to the kiosk's box key. */
export function sealTransformKey(options: {
  transformKey: Uint8Array;
  boxPublicKey: Uint8Array;
}): Uint8Array {
  assert(options.transformKey.length === templateKeyBytes, 'transform key length');
  assert(options.boxPublicKey.length === boxKeyBytes, 'box public key length');
  return sodium.crypto_box_seal(options.transformKey, options.boxPublicKey);
}

/**
 * Kiosk side: opens the sealed key, checks it is the key the hub named, and returns the transform made
 * from it; the key bytes are zeroed before returning, so only the transform's matrix stays in memory.
 */
export function openProvisionedTransform(options: {
  sealedTransformKey: Uint8Array;
  transformKeyId: string;
  box: KioskBoxKeyPair;
  dimension: number;
}): Result<CancelableTransform, ProvisionErrorCode> {
  const { sealedTransformKey, box } = options;
  assert(box.publicKey.length === boxKeyBytes && box.privateKey.length === boxKeyBytes, 'box keys');
  if (sealedTransformKey.length !== sealOverheadBytes + templateKeyBytes) {
    return fail('transform_key_unopenable', 'sealed transform key has the wrong length');
  }
  let key: Uint8Array;
  try {
    key = sodium.crypto_box_seal_open(sealedTransformKey, box.publicKey, box.privateKey);
  } catch {
    return fail(
      'transform_key_unopenable',
      'sealed transform key does not open with this kiosk key',
    );
  }
  try {
    if (transformKeyId(key) !== options.transformKeyId) {
      return fail('transform_key_mismatch', 'the opened key is not the key the hub named');
    }
    return ok(CancelableTransform.fromKey({ key, dimension: options.dimension }));
  } finally {
    sodium.memzero(key);
  }
}
