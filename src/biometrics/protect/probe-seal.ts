// Seals what a kiosk sends the hub (a protected probe, or a PIN) to the hub's X25519 key with a nonce and a
// timestamp, and lets the hub refuse anything stale, replayed, altered or meant for another hub.
// Version 2 adds the transform key id a probe was made under (version 1, without it, still opens).
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
const keyIdLengthMax = 64;
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
}

/**
 * Who refuses a replayed envelope: a ReplayGuard in memory (one process that never restarts), or the
 * caller, which gets the nonce back and must record it durably before acting (the hub, in its database).
 */
export type ReplayCheck = ReplayGuard | 'caller_records_nonce';

/** Remembers nonces for exactly as long as their probe could still pass the freshness check. */
export class ReplayGuard {
  readonly retentionMs: number;
  readonly entriesMax: number;
  // Insertion order is expiry order while the clock moves forward; a clock step back only keeps entries longer.
  #expiresAtMs = new Map<string, number>();

  constructor(options: { retentionMs?: number; entriesMax?: number } = {}) {
    this.retentionMs = options.retentionMs ?? probeAgeMsMax + probeFutureSkewMsMax;
    this.entriesMax = options.entriesMax ?? replayGuardEntriesMax;
    assert(this.retentionMs >= probeAgeMsMax + probeFutureSkewMsMax, 'retention below the window');
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
}): Uint8Array {
  const { hubPublicKey, kind, payload, nowMs } = options;
  assert(hubPublicKey.length === boxKeyBytes, 'hub public key length');
  assert(Number.isSafeInteger(nowMs) && nowMs >= 0, 'timestamp must be a non-negative integer');
  assert(payload.length > 0 && payload.length <= probePayloadBytesMax, 'payload length');
  const label = sodium.from_string(options.label);
  assert(label.length <= probeLabelLengthMax, 'label length');
  const keyId = options.keyId === undefined ? null : sodium.from_string(options.keyId);
  assert(keyId === null || (keyId.length > 0 && keyId.length <= keyIdLengthMax), 'key id length');
  const keyIdField = keyId === null ? 0 : 1 + keyId.length;
  const plaintext = new Uint8Array(fixedBytes + label.length + keyIdField + payload.length);
  const view = new DataView(plaintext.buffer);
  plaintext[0] = keyId === null ? envelopeVersionPlain : envelopeVersionKeyed;
  plaintext[1] = kindCodes[kind];
  plaintext.set(sodium.randombytes_buf(envelopeNonceBytes), 2);
  let offset = 2 + envelopeNonceBytes;
  view.setUint32(offset, nowMs % two32, true);
  view.setUint32(offset + 4, Math.floor(nowMs / two32), true);
  view.setUint16(offset + 8, label.length, true);
  plaintext.set(label, offset + 10);
  offset += 10 + label.length;
  if (keyId !== null) {
    plaintext[offset] = keyId.length;
    plaintext.set(keyId, offset + 1);
    offset += keyIdField;
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
  if (version !== envelopeVersionPlain && version !== envelopeVersionKeyed) {
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
  if (version === envelopeVersionKeyed) {
    const keyIdLength = plaintext[offset] ?? 0;
    if (keyIdLength === 0 || offset + 1 + keyIdLength + 4 > plaintext.length) {
      return fail('probe_invalid', 'envelope key id is malformed');
    }
    keyId = sodium.to_string(plaintext.subarray(offset + 1, offset + 1 + keyIdLength));
    offset += 1 + keyIdLength;
  }
  const payloadLength = view.getUint32(offset, true);
  offset += 4;
  if (payloadLength === 0 || offset + payloadLength !== plaintext.length) {
    return fail('probe_invalid', 'envelope payload length is malformed');
  }
  const payload = plaintext.slice(offset, offset + payloadLength);
  return ok({ payload, timestampMs, nonce, keyId });
}

/**
 * Kiosk side: the protected template, sealed to the hub and bound to the model that produced it and,
 * when given, to the transform key id it was made under (so the hub can say the kiosk's key is outdated).
 */
export function sealProbe(options: {
  hubPublicKey: Uint8Array;
  template: Float32Array;
  modelId: string;
  nowMs: number;
  transformKeyId?: string;
}): Uint8Array {
  const payload = encodeTemplate(options.template);
  const sealed = sealForHub({
    hubPublicKey: options.hubPublicKey,
    kind: 'probe',
    label: options.modelId,
    payload,
    nowMs: options.nowMs,
    ...(options.transformKeyId === undefined ? {} : { keyId: options.transformKeyId }),
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
  const { payload, timestampMs, keyId, nonce } = opened.value;
  if (payload.length !== dimension * 4 || !allFinite(payload)) {
    sodium.memzero(payload);
    return fail('probe_invalid', 'probe template has the wrong size or values');
  }
  const template = decodeTemplate(payload);
  sodium.memzero(payload);
  return ok({ template, timestampMs, transformKeyId: keyId, nonce });
}

/**
 * Kiosk side: a PIN sealed for one purpose (`enrol`, or `verify:<personId>`), so a PIN captured for one
 * person cannot be presented for another. The PIN is never logged; the caller's string cannot be zeroed,
 * but every byte copy made here is.
 */
export function sealPin(options: {
  hubPublicKey: Uint8Array;
  pin: string;
  purpose: string;
  nowMs: number;
}): Uint8Array {
  const payload = sodium.from_string(options.pin);
  assert(payload.length > 0, 'PIN must not be empty');
  const sealed = sealForHub({
    hubPublicKey: options.hubPublicKey,
    kind: 'pin',
    label: options.purpose,
    payload,
    nowMs: options.nowMs,
  });
  sodium.memzero(payload);
  return sealed;
}

/** Hub side: the PIN's bytes; the caller zeroes them with sodium.memzero once verified. */
export function openPin(options: {
  sealed: Uint8Array;
  hubKeyPair: HubBoxKeyPair;
  replayGuard: ReplayCheck;
  nowMs: number;
  purpose: string;
}): Result<{ pin: Uint8Array; timestampMs: number; nonce: Uint8Array }, EnvelopeErrorCode> {
  const opened = openFromKiosk({ ...options, kind: 'pin', label: options.purpose });
  if (!opened.ok) return opened;
  const { payload, timestampMs, nonce } = opened.value;
  return ok({ pin: payload, timestampMs, nonce });
}

function allFinite(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    if (!Number.isFinite(view.getFloat32(i, true))) return false;
  }
  return true;
}
