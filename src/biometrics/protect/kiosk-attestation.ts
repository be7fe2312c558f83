// What a registered kiosk signs with its Ed25519 key, and how the hub checks it: a provisioning request
// (nonce + timestamp), an alert of the kiosk's own, and an identify attestation binding the sealed probe
// to liveness, payee and amount.
import { assert } from '../../shared/assert.ts';
import { sodium } from './sodium.ts';

const provisionContext = 'facepay.kiosk-provision.v1';
const attestationContext = 'facepay.kiosk-attestation.v1';
const guardianContext = 'facepay.guardian-attestation.v1';
const alertContext = 'facepay.kiosk-alert.v1';
export const kioskSigningPublicKeyBytes = 32; // crypto_sign_PUBLICKEYBYTES
export const kioskSigningSecretKeyBytes = 64; // crypto_sign_SECRETKEYBYTES
export const kioskSignatureBytes = 64; // crypto_sign_BYTES
export const kioskRequestNonceBytes = 24;
const digestBytes = 32;

/** The liveness verdict exactly as the identify request carries it (API.md `liveness`). */
export interface LivenessVerdict {
  readonly passed: boolean;
  readonly score?: number | undefined;
  readonly checks?: readonly string[] | undefined;
  readonly reasons?: readonly string[] | undefined;
}

/** What the identified person consents to (API extension `purpose`); absent means a payment. */
export type IdentifyPurpose = 'payment' | 'standing_limit';

/** The fields of an identify request that the kiosk vouches for. */
export interface AttestedIdentify {
  readonly kioskId: string;
  readonly modelId: string;
  readonly payee: string;
  readonly amount: number;
  readonly liveness: LivenessVerdict;
  readonly sealedProbe: Uint8Array;
  /** Signed as 'payment' when absent, so a payment can never be re-labelled a standing-limit consent. */
  readonly purpose?: IdentifyPurpose | undefined;
}

/**
 * JSON of the verdict with sorted keys and no absent fields: kiosk and hub write the same bytes for the
 * same parsed object, whatever order or spacing the request had on the wire.
 */
export function canonicalLiveness(liveness: LivenessVerdict): string {
  const out: Record<string, unknown> = {};
  for (const key of ['checks', 'passed', 'reasons', 'score'] as const) {
    const value = liveness[key];
    if (value !== undefined) out[key] = value;
  }
  return JSON.stringify(out);
}

/** BLAKE2b-256 of the context and each field as u32 little-endian length + bytes (no ambiguity). */
function digest(context: string, fields: readonly Uint8Array[]): Uint8Array {
  const parts = [sodium.from_string(context), ...fields];
  const total = parts.reduce((sum, part) => sum + 4 + part.length, 0);
  const message = new Uint8Array(total);
  const view = new DataView(message.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setUint32(offset, part.length, true);
    message.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return sodium.crypto_generichash(digestBytes, message, null);
}

export function provisionDigest(request: {
  kioskId: string;
  nonce: Uint8Array;
  timestamp: string;
}): Uint8Array {
  assert(request.nonce.length === kioskRequestNonceBytes, 'provisioning nonce length');
  return digest(provisionContext, [
    sodium.from_string(request.kioskId),
    request.nonce,
    sodium.from_string(request.timestamp),
  ]);
}

/** What a kiosk tells its hub of itself (face checks paused or resumed), as it signs it. */
export interface SignedKioskAlert {
  readonly kioskId: string;
  readonly alertId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly failedLooksInARow: number;
  readonly nonce: Uint8Array;
  readonly timestamp: string;
}

/** A context of its own: a provisioning signature can never stand for an alert's, nor the other way. */
export function alertDigest(alert: SignedKioskAlert): Uint8Array {
  assert(alert.nonce.length === kioskRequestNonceBytes, 'alert nonce length');
  assert(
    Number.isSafeInteger(alert.failedLooksInARow) && alert.failedLooksInARow >= 0,
    'failed looks is a count',
  );
  return digest(alertContext, [
    sodium.from_string(alert.kioskId),
    sodium.from_string(alert.alertId),
    sodium.from_string(alert.type),
    sodium.from_string(alert.occurredAt),
    sodium.from_string(String(alert.failedLooksInARow)),
    alert.nonce,
    sodium.from_string(alert.timestamp),
  ]);
}

/** The fields a signed kiosk request (provisioning, alert) carries on the wire, base64 where bytes. */
export type SignedKioskRequest = { nonce: string; timestamp: string; signature: string };

/** Kiosk side: a fresh nonce, the timestamp `nowMs`, and the signature of `digestFor` over them. */
export function signFreshKioskRequest(
  options: { signingSecretKey: Uint8Array; nowMs: number },
  digestFor: (nonce: Uint8Array, timestamp: string) => Uint8Array,
): SignedKioskRequest {
  assert(Number.isSafeInteger(options.nowMs) && options.nowMs >= 0, 'timestamp is an integer');
  const nonce = sodium.randombytes_buf(kioskRequestNonceBytes);
  const timestamp = new Date(options.nowMs).toISOString();
  const signature = signKioskDigest(digestFor(nonce, timestamp), options.signingSecretKey);
  const base64 = (bytes: Uint8Array) => sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
  return { nonce: base64(nonce), timestamp, signature: base64(signature) };
}

/** Kiosk side: an alert's signed body (fresh nonce, timestamp by the hub's clock `nowMs`). */
export function signKioskAlert(options: {
  kioskId: string;
  alert: Omit<SignedKioskAlert, 'kioskId' | 'nonce' | 'timestamp'>;
  signingSecretKey: Uint8Array;
  nowMs: number;
}): SignedKioskRequest {
  return signFreshKioskRequest(options, (nonce, timestamp) =>
    alertDigest({ ...options.alert, kioskId: options.kioskId, nonce, timestamp }),
  );
}

export function attestationDigest(identify: AttestedIdentify): Uint8Array {
  assert(
    Number.isSafeInteger(identify.amount) && identify.amount > 0,
    'amount is a positive integer',
  );
  return digest(attestationContext, [
    sodium.from_string(identify.kioskId),
    sodium.from_string(identify.modelId),
    sodium.from_string(identify.payee),
    sodium.from_string(String(identify.amount)),
    sodium.from_string(canonicalLiveness(identify.liveness)),
    identify.sealedProbe,
    sodium.from_string(identify.purpose ?? 'payment'),
  ]);
}

/** The fields of a guardian's consent that the enrolment station vouches for. */
export interface AttestedGuardianConsent {
  readonly kioskId: string;
  readonly modelId: string;
  readonly childAccountId: string;
  readonly limits: {
    readonly perPaymentMax?: number | undefined;
    readonly dailyMax?: number | undefined;
  };
  readonly blockedCategories: readonly string[];
  readonly liveness: LivenessVerdict;
  readonly sealedProbe: Uint8Array;
}

/**
 * The consent's terms as canonical JSON (limits with sorted keys and no absent field, categories
 * sorted and once each): station and hub sign and check the same bytes for the same terms.
 */
export function canonicalGuardianTerms(
  terms: Pick<AttestedGuardianConsent, 'limits' | 'blockedCategories'>,
): string {
  const limits: Record<string, number> = {};
  for (const key of ['dailyMax', 'perPaymentMax'] as const) {
    const value = terms.limits[key];
    if (value !== undefined) limits[key] = value;
  }
  return JSON.stringify({
    blockedCategories: [...new Set(terms.blockedCategories)].sort(),
    limits,
  });
}

/** A separate context from identify's, so neither signature can stand for the other. */
export function guardianAttestationDigest(consent: AttestedGuardianConsent): Uint8Array {
  return digest(guardianContext, [
    sodium.from_string(consent.kioskId),
    sodium.from_string(consent.modelId),
    sodium.from_string(consent.childAccountId),
    sodium.from_string(canonicalGuardianTerms(consent)),
    sodium.from_string(canonicalLiveness(consent.liveness)),
    consent.sealedProbe,
  ]);
}

/** Kiosk side: a detached Ed25519 signature of a digest made above. */
export function signKioskDigest(
  digestBytesIn: Uint8Array,
  signingSecretKey: Uint8Array,
): Uint8Array {
  assert(digestBytesIn.length === digestBytes, 'sign a digest from this module');
  assert(signingSecretKey.length === kioskSigningSecretKeyBytes, 'Ed25519 secret key length');
  return sodium.crypto_sign_detached(digestBytesIn, signingSecretKey);
}

/** Hub side: whether `signature` is the registered key's signature of the digest; never throws on bad input. */
export function verifyKioskSignature(options: {
  digest: Uint8Array;
  signature: Uint8Array;
  signingPublicKey: Uint8Array;
}): boolean {
  const { digest: signed, signature, signingPublicKey } = options;
  assert(signed.length === digestBytes, 'verify a digest from this module');
  assert(signingPublicKey.length === kioskSigningPublicKeyBytes, 'Ed25519 public key length');
  if (signature.length !== kioskSignatureBytes) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, signed, signingPublicKey);
  } catch {
    return false;
  }
}
