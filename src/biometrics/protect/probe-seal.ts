// Seals what a kiosk sends the hub (a protected probe, or a PIN) to the hub's X25519 key with a nonce and a
// timestamp, and lets the hub refuse anything stale, replayed, altered or meant for another hub.
// Version 2 adds the transform key id a probe was made under (version 1, without it, still opens).
// Version 3 adds a binding inside the seal: for a probe, the kiosk that sealed it (`kiosk:<kioskId>`), so
// no other kiosk can attest to captured bytes; the key id is optional there (a PIN has none).
import { assert } from '../../shared/assert.ts';
import {
  probeAgeMsMax,
  probeFutureSkewMsMax,
  probeLabelLengthMax,
  probePayloadBytesMax,
  replayGuardEntriesMax,
  sealedProbeBytesMax,
  templateDimensionMax,
  templateDimensionMin,
} from '../../shared/limits.ts';
import { fail, ok } from './result.ts';
import type { Result } from './result.ts';
import { sodium } from './sodium.ts';
import { decodeTemplate, encodeTemplate } from './template-seal.ts';

const envelopeVersionPlain = 1;
const envelopeVersionKeyed = 2;
const envelopeVersionBound = 3;
const keyIdLengthMax = 64;
const bindingLengthMax = 128;
const kioskBindingPrefix = 'kiosk:';
const kindCodes = { probe: 1, pin: 2 } as const;
export type EnvelopeKind = keyof typeof kindCodes;
export const envelopeNonceBytes = 24;
const boxKeyBytes = 32; // crypto_box_PUBLICKEYBYTES == crypto_box_SECRETKEYBYTES
const sealOverheadBytes = 48; // crypto_box_SEALBYTES
// version, kind, nonce, timestamp (u64), label length (u16), payload length (u32)
const fixedBytes = 1 + 1 + envelopeNonceBytes + 8 + 2 + 4;
const two32 = 4_294_967_296;

export type EnvelopeErrorCode =
  'probe_invalid' | 'probe_stale' | 'probe_replayed' | 'probe_rate_limited';

export interface HubBoxKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

export interface OpenedEnvelope {
  readonly payload: Uint8Array;
  readonly timestampMs: number;
  readonly nonce: Uint8Array;
  /** The cancelable transform's key id the sender named (version 2), or null (version 1). */
  readonly keyId: string | null;
  /** What the sender bound the envelope to (version 3), or null (versions 1 and 2). */
  readonly binding: string | null;
}

/**
 * Who refuses a replayed envelope: a ReplayGuard in memory (one process that never restarts), or the
 * caller, which gets the nonce back and must record it durably before acting (the hub, in its database).
 */
export type ReplayCheck = ReplayGuard | 'caller_records_nonce';

/**
 * How long a nonce is remembered: strictly longer than any envelope can stay fresh. Both ends of the
 * freshness window are inclusive (a timestamp `probeFutureSkewMsMax` ahead, first seen at t0, is still fresh
 * at exactly t0 + probeAgeMsMax + probeFutureSkewMsMax), and a nonce is forgotten once its expiry is <= now,
 * so it is kept one millisecond past that last fresh moment.
 */
export const envelopeNonceRetentionMs = probeAgeMsMax + probeFutureSkewMsMax + 1;

/** Remembers nonces for as long as their probe could still pass the freshness check, and a millisecond more. */
export class ReplayGuard {
  readonly retentionMs: number;
  readonly entriesMax: number;
  // Insertion order is expiry order while the clock moves forward; a clock step back only keeps entries longer.
  #expiresAtMs = new Map<string, number>();

  constructor(options: { retentionMs?: number; entriesMax?: number } = {}) {
    this.retentionMs = options.retentionMs ?? envelopeNonceRetentionMs;
    this.entriesMax = options.entriesMax ?? replayGuardEntriesMax;
    assert(this.retentionMs >= envelopeNonceRetentionMs, 'retention within the window');
    assert(Number.isSafeInteger(this.entriesMax) && this.entriesMax > 0, 'entriesMax positive');
  }

  get size(): number {
    return this.#expiresAtMs.size;
  }

  /** Records the nonce; 'full' fails closed rather than forgetting a nonce that could come back. */
  admit(nonce: Uint8Array, nowMs: number): 'admitted' | 'replayed' | 'full' {
    assert(nonce.length === envelopeNonceBytes, 'nonce length');
    this.#evict(nowMs);
    const key = sodium.to_hex(nonce);
    if (this.#expiresAtMs.has(key)) return 'replayed';
    if (this.#expiresAtMs.size >= this.entriesMax) return 'full';
    this.#expiresAtMs.set(key, nowMs + this.retentionMs);
    return 'admitted';
  }

  #evict(nowMs: number): void {
    for (const [key, expiresAtMs] of this.#expiresAtMs) {
      if (expiresAtMs > nowMs) return;
      this.#expiresAtMs.delete(key);
    }
  }
}

export function sealForHub(options: {
  hubPublicKey: Uint8Array;
  kind: EnvelopeKind;
  label: string;
  payload: Uint8Array;
  nowMs: number;
  /** Names the transform key the payload was made under (a version 2 envelope). */
  keyId?: string;
  /** Binds the envelope to its context, e.g. the sealing kiosk (a version 3 envelope). */
  binding?: string;
}): Uint8Array {
  const { hubPublicKey, kind, payload, nowMs } = options;
  assert(hubPublicKey.length === boxKeyBytes, 'hub public key length');
  assert(Number.isSafeInteger(nowMs) && nowMs >= 0, 'timestamp must be a non-negative integer');
  assert(payload.length > 0 && payload.length <= probePayloadBytesMax, 'payload length');
  const label = sodium.from_string(options.label);
  assert(label.length <= probeLabelLengthMax, 'label length');
  const keyId = options.keyId === undefined ? null : sodium.from_string(options.keyId);
  assert(keyId === null || (keyId.length > 0 && keyId.length <= keyIdLengthMax), 'key id length');
  const binding = options.binding === undefined ? null : sodium.from_string(options.binding);
  assert(
    binding === null || (binding.length > 0 && binding.length <= bindingLengthMax),
    'binding length',
  );
  let version: number = envelopeVersionPlain;
  if (keyId !== null) version = envelopeVersionKeyed;
  if (binding !== null) version = envelopeVersionBound;
  // Versions 2 and 3 carry the key id's length byte (0, no key id, only in version 3); 3 then the binding's.
  const keyIdField = version === envelopeVersionPlain ? 0 : 1 + (keyId?.length ?? 0);
  const bindingField = binding === null ? 0 : 1 + binding.length;
  const plaintext = new Uint8Array(
    fixedBytes + label.length + keyIdField + bindingField + payload.length,
  );
  const view = new DataView(plaintext.buffer);
  plaintext[0] = version;
  plaintext[1] = kindCodes[kind];
  plaintext.set(sodium.randombytes_buf(envelopeNonceBytes), 2);
  let offset = 2 + envelopeNonceBytes;
  view.setUint32(offset, nowMs % two32, true);
  view.setUint32(offset + 4, Math.floor(nowMs / two32), true);
  view.setUint16(offset + 8, label.length, true);
  plaintext.set(label, offset + 10);
  offset += 10 + label.length;
  if (keyIdField > 0) {
    plaintext[offset] = keyId?.length ?? 0;
    if (keyId !== null) plaintext.set(keyId, offset + 1);
    offset += keyIdField;
  }
  if (binding !== null) {
    plaintext[offset] = binding.length;
    plaintext.set(binding, offset + 1);
    offset += bindingField;
  }
  view.setUint32(offset, payload.length, true);
  plaintext.set(payload, offset + 4);
  const sealed = sodium.crypto_box_seal(plaintext, hubPublicKey);
  sodium.memzero(plaintext);
  assert(sealed.length <= sealedProbeBytesMax, 'sealed envelope within its limit');
  return sealed;
}

/**
 * Opens an envelope at the hub: authentic and addressed to this hub, of the expected kind and label,
 * no older than probeAgeMsMax, no further ahead than probeFutureSkewMsMax, and never seen before
 * (by the guard; with 'caller_records_nonce' the caller checks the returned nonce).
 */
export function openFromKiosk(options: {
  sealed: Uint8Array;
  hubKeyPair: HubBoxKeyPair;
  replayGuard: ReplayCheck;
  nowMs: number;
  kind: EnvelopeKind;
  label: string;
}): Result<OpenedEnvelope, EnvelopeErrorCode> {
  const { sealed, hubKeyPair, nowMs } = options;
  assert(hubKeyPair.publicKey.length === boxKeyBytes, 'hub public key length');
  assert(hubKeyPair.privateKey.length === boxKeyBytes, 'hub private key length');
  assert(Number.isSafeInteger(nowMs), 'now must be an integer');
  if (sealed.length < sealOverheadBytes + fixedBytes || sealed.length > sealedProbeBytesMax) {
    return fail('probe_invalid', 'sealed envelope has an impossible length');
  }
  let plaintext: Uint8Array;
  try {
    plaintext = sodium.crypto_box_seal_open(sealed, hubKeyPair.publicKey, hubKeyPair.privateKey);
  } catch {
    return fail('probe_invalid', 'sealed envelope does not open with this hub key');
  }
  const parsed = parseEnvelope(plaintext, options.kind, options.label);
  sodium.memzero(plaintext);
  if (!parsed.ok) return parsed;
  const { timestampMs, nonce } = parsed.value;
  if (timestampMs < nowMs - probeAgeMsMax || timestampMs > nowMs + probeFutureSkewMsMax) {
    sodium.memzero(parsed.value.payload);
    return fail('probe_stale', 'sealed envelope is outside the freshness window');
  }
  if (options.replayGuard === 'caller_records_nonce') return parsed;
  const admission = options.replayGuard.admit(nonce, nowMs);
  if (admission !== 'admitted') {
    sodium.memzero(parsed.value.payload);
    return admission === 'replayed'
      ? fail('probe_replayed', 'sealed envelope was already used')
      : fail('probe_rate_limited', 'too many sealed envelopes in the freshness window');
  }
  return parsed;
}

function parseEnvelope(
  plaintext: Uint8Array,
  kind: EnvelopeKind,
  label: string,
): Result<OpenedEnvelope, EnvelopeErrorCode> {
  if (plaintext.length < fixedBytes) return fail('probe_invalid', 'envelope too short');
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  const version = plaintext[0];
  if (
    version !== envelopeVersionPlain &&
    version !== envelopeVersionKeyed &&
    version !== envelopeVersionBound
  ) {
    return fail('probe_invalid', 'unknown envelope version');
  }
  if (plaintext[1] !== kindCodes[kind]) return fail('probe_invalid', 'envelope of another kind');
  const nonce = plaintext.slice(2, 2 + envelopeNonceBytes);
  let offset = 2 + envelopeNonceBytes;
  const timestampMs = view.getUint32(offset, true) + view.getUint32(offset + 4, true) * two32;
  const labelLength = view.getUint16(offset + 8, true);
  offset += 10;
  if (!Number.isSafeInteger(timestampMs) || offset + labelLength + 4 > plaintext.length) {
    return fail('probe_invalid', 'envelope header is malformed');
  }
  const expectedLabel = sodium.from_string(label);
  const labelBytes = plaintext.subarray(offset, offset + labelLength);
  if (labelBytes.length !== expectedLabel.length || !sodium.memcmp(labelBytes, expectedLabel)) {
    return fail('probe_invalid', 'envelope is bound to another purpose or model');
  }
  offset += labelLength;
  let keyId: string | null = null;
  if (version !== envelopeVersionPlain) {
    const keyIdLength = plaintext[offset] ?? 0;
    // Only version 3 may name no key id (a PIN); version 2 exists to name one.
    const absentAllowed = version === envelopeVersionBound;
    if ((keyIdLength === 0 && !absentAllowed) || offset + 1 + keyIdLength + 4 > plaintext.length) {
      return fail('probe_invalid', 'envelope key id is malformed');
    }
    if (keyIdLength > 0) {
      keyId = sodium.to_string(plaintext.subarray(offset + 1, offset + 1 + keyIdLength));
    }
    offset += 1 + keyIdLength;
  }
  let binding: string | null = null;
  if (version === envelopeVersionBound) {
    const bindingLength = plaintext[offset] ?? 0;
    if (bindingLength === 0 || offset + 1 + bindingLength + 4 > plaintext.length) {
      return fail('probe_invalid', 'envelope binding is malformed');
    }
    binding = sodium.to_string(plaintext.subarray(offset + 1, offset + 1 + bindingLength));
    offset += 1 + bindingLength;
  }
  const payloadLength = view.getUint32(offset, true);
  offset += 4;
  if (payloadLength === 0 || offset + payloadLength !== plaintext.length) {
    return fail('probe_invalid', 'envelope payload length is malformed');
  }
  const payload = plaintext.slice(offset, offset + payloadLength);
  return ok({ payload, timestampMs, nonce, keyId, binding });
}

/**
 * Kiosk side: the protected template, sealed to the hub and bound to the model that produced it and,
 * when given, to the transform key id it was made under (so the hub can say the kiosk's key is outdated)
 * and to the registered kiosk that sealed it (so only that kiosk's attestation passes at the hub).
 */
export function sealProbe(options: {
  hubPublicKey: Uint8Array;
  template: Float32Array;
  modelId: string;
  nowMs: number;
  transformKeyId?: string;
  kioskId?: string;
}): Uint8Array {
  const payload = encodeTemplate(options.template);
  const sealed = sealForHub({
    hubPublicKey: options.hubPublicKey,
    kind: 'probe',
    label: options.modelId,
    payload,
    nowMs: options.nowMs,
    ...(options.transformKeyId === undefined ? {} : { keyId: options.transformKeyId }),
    ...(options.kioskId === undefined ? {} : { binding: kioskBindingPrefix + options.kioskId }),
  });
  sodium.memzero(payload);
  return sealed;
}

/** Hub side: the probe's template, or why it was refused. */
export function openProbe(options: {
  sealed: Uint8Array;
  hubKeyPair: HubBoxKeyPair;
  replayGuard: ReplayCheck;
  nowMs: number;
  modelId: string;
  dimension: number;
}): Result<
  {
    template: Float32Array;
    timestampMs: number;
    transformKeyId: string | null;
    /** The kiosk that sealed the probe (version 3), or null: the hub checks it against the attesting kiosk. */
    kioskId: string | null;
    nonce: Uint8Array;
  },
  EnvelopeErrorCode
> {
  const { dimension } = options;
  assert(
    dimension >= templateDimensionMin && dimension <= templateDimensionMax,
    'template dimension',
  );
  const opened = openFromKiosk({ ...options, kind: 'probe', label: options.modelId });
  if (!opened.ok) return opened;
  const { payload, timestampMs, keyId, nonce, binding } = opened.value;
  if (payload.length !== dimension * 4 || !allFinite(payload)) {
    sodium.memzero(payload);
    return fail('probe_invalid', 'probe template has the wrong size or values');
  }
  const kioskId =
    binding?.startsWith(kioskBindingPrefix) === true
      ? binding.slice(kioskBindingPrefix.length)
      : null;
  if (binding !== null && (kioskId === null || kioskId.length === 0)) {
    sodium.memzero(payload);
    return fail('probe_invalid', 'a probe is bound to the kiosk that sealed it, or to nothing');
  }
  const template = decodeTemplate(payload);
  sodium.memzero(payload);
  return ok({ template, timestampMs, transformKeyId: keyId, kioskId, nonce });
}

/**
 * What a payment PIN (`verify:<personId>`, `member:<memberNumber>`) is bound to inside its seal: the payee
 * and amount the kiosk showed, so a captured PIN cannot be presented by another till for another payee.
 */
export function pinPaymentBinding(payment: { payee: string; amount: number }): string {
  return `payment ${JSON.stringify([payment.payee, payment.amount])}`;
}

/**
 * Kiosk side: a PIN sealed for one purpose (`enrol`, or `verify:<personId>`), so a PIN captured for one
 * person cannot be presented for another, and, when given, bound to its payment (pinPaymentBinding). The
 * PIN is never logged; the caller's string cannot be zeroed, but every byte copy made here is.
 */
export function sealPin(options: {
  hubPublicKey: Uint8Array;
  pin: string;
  purpose: string;
  nowMs: number;
  binding?: string;
}): Uint8Array {
  const payload = sodium.from_string(options.pin);
  assert(payload.length > 0, 'PIN must not be empty');
  const sealed = sealForHub({
    hubPublicKey: options.hubPublicKey,
    kind: 'pin',
    label: options.purpose,
    payload,
    nowMs: options.nowMs,
    ...(options.binding === undefined ? {} : { binding: options.binding }),
  });
  sodium.memzero(payload);
  return sealed;
}

/**
 * Hub side: the PIN's bytes; the caller zeroes them with sodium.memzero once verified. A PIN bound to a
 * context opens only where that context is expected (`binding`); one sealed without any (API.md's plain
 * `purpose` seal) still opens.
 */
export function openPin(options: {
  sealed: Uint8Array;
  hubKeyPair: HubBoxKeyPair;
  replayGuard: ReplayCheck;
  nowMs: number;
  purpose: string;
  binding?: string;
}): Result<{ pin: Uint8Array; timestampMs: number; nonce: Uint8Array }, EnvelopeErrorCode> {
  const opened = openFromKiosk({ ...options, kind: 'pin', label: options.purpose });
  if (!opened.ok) return opened;
  const { payload, timestampMs, nonce, binding } = opened.value;
  if (binding !== null && binding !== options.binding) {
    sodium.memzero(payload);
    return fail('probe_invalid', 'the sealed PIN is bound to another payment');
  }
  return ok({ pin: payload, timestampMs, nonce });
}

function allFinite(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    if (!Number.isFinite(view.getFloat32(i, true))) return false;
  }
  return true;
}
