import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import { probeAgeMsMax, probeFutureSkewMsMax } from '../../../src/shared/limits.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import {
  openFromKiosk,
  openPin,
  openProbe,
  ReplayGuard,
  sealForHub,
  sealPin,
  sealProbe,
} from '../../../src/biometrics/protect/probe-seal.ts';
import type { HubBoxKeyPair } from '../../../src/biometrics/protect/probe-seal.ts';
import { randomUnitVector, seededRandom } from '../match/random-vectors.ts';

const hub: HubBoxKeyPair = sodium.crypto_box_keypair();
const otherHub: HubBoxKeyPair = sodium.crypto_box_keypair();
const modelId = 'faceapi-128';
const dimension = 128;
const t0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const template = randomUnitVector(seededRandom(20), dimension);

function seal(nowMs = t0): Uint8Array {
  return sealProbe({ hubPublicKey: hub.publicKey, template, modelId, nowMs });
}

function open(
  sealed: Uint8Array,
  options: { nowMs?: number; guard?: ReplayGuard; keys?: HubBoxKeyPair; model?: string } = {},
) {
  return openProbe({
    sealed,
    hubKeyPair: options.keys ?? hub,
    replayGuard: options.guard ?? new ReplayGuard(),
    nowMs: options.nowMs ?? t0,
    modelId: options.model ?? modelId,
    dimension,
  });
}

function codeOf(result: { ok: boolean; error?: { code: string } }): string | undefined {
  return result.ok ? undefined : result.error?.code;
}

describe('probe seal', () => {
  it('opens a fresh probe at the hub it was sealed for', () => {
    const result = open(seal());
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.template).toEqual(template);
    expect(result.ok && result.value.timestampMs).toBe(t0);
  });

  it('refuses a probe sealed to another hub', () => {
    expect(codeOf(open(seal(), { keys: otherHub }))).toBe('probe_invalid');
  });

  it('refuses any changed byte', () => {
    const sealed = seal();
    for (const index of [0, 31, 32, 60, 300, sealed.length - 1]) {
      const tampered = sealed.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x80;
      expect(codeOf(open(tampered))).toBe('probe_invalid');
    }
  });

  it('refuses a replayed probe, and the replay guard keeps nonces only for the window', () => {
    const guard = new ReplayGuard();
    const sealed = seal();
    expect(open(sealed, { guard }).ok).toBe(true);
    expect(codeOf(open(sealed, { guard }))).toBe('probe_replayed');
    expect(codeOf(open(sealed, { guard, nowMs: t0 + probeAgeMsMax }))).toBe('probe_replayed');
    expect(guard.size).toBe(1);
    // Once the nonce is forgotten, the probe is stale anyway: never accepted twice.
    const later = t0 + probeAgeMsMax + probeFutureSkewMsMax + 1;
    expect(codeOf(open(sealed, { guard, nowMs: later }))).toBe('probe_stale');
    expect(open(seal(later), { guard, nowMs: later }).ok).toBe(true);
    expect(guard.size).toBe(1);
  });

  it('refuses a stale probe and one from too far in the future, at the exact edges', () => {
    expect(open(seal(t0 - probeAgeMsMax)).ok).toBe(true);
    expect(codeOf(open(seal(t0 - probeAgeMsMax - 1)))).toBe('probe_stale');
    expect(open(seal(t0 + probeFutureSkewMsMax)).ok).toBe(true);
    expect(codeOf(open(seal(t0 + probeFutureSkewMsMax + 1)))).toBe('probe_stale');
  });

  it('does not spend replay memory on stale or invalid probes', () => {
    const guard = new ReplayGuard();
    expect(codeOf(open(seal(t0 - probeAgeMsMax - 1), { guard }))).toBe('probe_stale');
    expect(codeOf(open(seal(), { guard, keys: otherHub }))).toBe('probe_invalid');
    expect(guard.size).toBe(0);
  });

  it('fails closed when the replay guard is full', () => {
    const guard = new ReplayGuard({ entriesMax: 2 });
    expect(open(seal(), { guard }).ok).toBe(true);
    expect(open(seal(), { guard }).ok).toBe(true);
    expect(codeOf(open(seal(), { guard }))).toBe('probe_rate_limited');
    const later = t0 + guard.retentionMs;
    expect(open(seal(later), { guard, nowMs: later }).ok).toBe(true);
  });

  it('binds the probe to its model, size and kind', () => {
    expect(codeOf(open(seal(), { model: 'human-faceres' }))).toBe('probe_invalid');
    const wrongSize = openProbe({
      sealed: seal(),
      hubKeyPair: hub,
      replayGuard: new ReplayGuard(),
      nowMs: t0,
      modelId,
      dimension: 64,
    });
    expect(codeOf(wrongSize)).toBe('probe_invalid');
    const pin = sealPin({
      hubPublicKey: hub.publicKey,
      pin: '480163',
      purpose: modelId,
      nowMs: t0,
    });
    expect(codeOf(open(pin))).toBe('probe_invalid');
    const nanBytes = new Uint8Array(dimension * 4);
    new DataView(nanBytes.buffer).setFloat32(8, Number.NaN, true);
    const nanProbe = sealForHub({
      hubPublicKey: hub.publicKey,
      kind: 'probe',
      label: modelId,
      payload: nanBytes,
      nowMs: t0,
    });
    expect(codeOf(open(nanProbe))).toBe('probe_invalid');
  });

  it('refuses impossible lengths before any decryption', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(60), new Uint8Array(9000)]) {
      expect(codeOf(open(bad))).toBe('probe_invalid');
    }
    const sealed = seal();
    expect(codeOf(open(sealed.subarray(0, sealed.length - 1)))).toBe('probe_invalid');
  });

  it('asserts programmer errors: key lengths, timestamps, empty payloads', () => {
    expect(() =>
      sealProbe({ hubPublicKey: new Uint8Array(31), template, modelId, nowMs: t0 }),
    ).toThrow(AssertionError);
    expect(() => sealProbe({ hubPublicKey: hub.publicKey, template, modelId, nowMs: 1.5 })).toThrow(
      AssertionError,
    );
    expect(() =>
      sealPin({ hubPublicKey: hub.publicKey, pin: '', purpose: 'enrol', nowMs: t0 }),
    ).toThrow(AssertionError);
  });
});

describe('sealed PIN', () => {
  const purpose = 'verify:per_1';

  it('opens at the hub for the purpose it was sealed for, once', () => {
    const guard = new ReplayGuard();
    const sealed = sealPin({ hubPublicKey: hub.publicKey, pin: '480163', purpose, nowMs: t0 });
    const opened = openPin({ sealed, hubKeyPair: hub, replayGuard: guard, nowMs: t0, purpose });
    expect(opened.ok && sodium.to_string(opened.value.pin)).toBe('480163');
    const again = openPin({ sealed, hubKeyPair: hub, replayGuard: guard, nowMs: t0, purpose });
    expect(codeOf(again)).toBe('probe_replayed');
  });

  it('refuses a PIN sealed for another person, another hub, or too long ago', () => {
    const sealed = sealPin({ hubPublicKey: hub.publicKey, pin: '480163', purpose, nowMs: t0 });
    const replayGuard = new ReplayGuard();
    const base = { sealed, hubKeyPair: hub, replayGuard, nowMs: t0, purpose };
    expect(codeOf(openPin({ ...base, purpose: 'verify:per_2' }))).toBe('probe_invalid');
    expect(codeOf(openPin({ ...base, hubKeyPair: otherHub }))).toBe('probe_invalid');
    expect(codeOf(openPin({ ...base, nowMs: t0 + probeAgeMsMax + 1 }))).toBe('probe_stale');
    const generic = openFromKiosk({ ...base, kind: 'probe', label: purpose });
    expect(codeOf(generic)).toBe('probe_invalid');
  });
});
