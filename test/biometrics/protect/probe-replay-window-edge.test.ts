// A sealed envelope's freshness window is inclusive at both ends: stamped probeFutureSkewMsMax ahead and
// first opened at t0, it is still fresh at exactly t0 + probeAgeMsMax + probeFutureSkewMsMax. The
// ReplayGuard forgot its nonce at that very moment (kept for age + skew, evicted once expiry <= now), so
// the same bytes opened again then. The guard now keeps a nonce a millisecond past the last fresh moment.
import { describe, expect, it } from 'vitest';
import { probeAgeMsMax, probeFutureSkewMsMax } from '../../../src/shared/limits.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import {
  openPin,
  openProbe,
  ReplayGuard,
  sealPin,
  sealProbe,
  type HubBoxKeyPair,
} from '../../../src/biometrics/protect/probe-seal.ts';
import { randomUnitVector, seededRandom } from '../match/random-vectors.ts';

const hub: HubBoxKeyPair = sodium.crypto_box_keypair();
const modelId = 'faceapi-128';
const dimension = 128;
const t0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const template = randomUnitVector(seededRandom(41), dimension);
const lastFresh = t0 + probeAgeMsMax + probeFutureSkewMsMax;

function codeOf(result: { ok: boolean; error?: { code: string } }): string | undefined {
  return result.ok ? undefined : result.error?.code;
}

describe('replay at the edge of the freshness window', () => {
  it('a probe stamped at the allowed skew is refused when replayed at its last fresh moment', () => {
    const guard = new ReplayGuard();
    const sealed = sealProbe({
      hubPublicKey: hub.publicKey,
      template,
      modelId,
      nowMs: t0 + probeFutureSkewMsMax,
    });
    const open = (nowMs: number) =>
      openProbe({ sealed, hubKeyPair: hub, replayGuard: guard, nowMs, modelId, dimension });
    expect(open(t0).ok).toBe(true);
    expect(codeOf(open(t0 + 1_000))).toBe('probe_replayed');
    expect(codeOf(open(lastFresh - 1))).toBe('probe_replayed');
    expect(codeOf(open(lastFresh))).toBe('probe_replayed');
    // One millisecond later the envelope itself is stale.
    expect(codeOf(open(lastFresh + 1))).toBe('probe_stale');
  });

  it('the same holds for a sealed PIN', () => {
    const guard = new ReplayGuard();
    const purpose = 'verify:per_edge';
    const sealed = sealPin({
      hubPublicKey: hub.publicKey,
      pin: '480163',
      purpose,
      nowMs: t0 + probeFutureSkewMsMax,
    });
    const open = (nowMs: number) =>
      openPin({ sealed, hubKeyPair: hub, replayGuard: guard, nowMs, purpose });
    expect(open(t0).ok).toBe(true);
    expect(codeOf(open(lastFresh))).toBe('probe_replayed');
    expect(codeOf(open(lastFresh + 1))).toBe('probe_stale');
  });

  it('a guard is never made to keep nonces only for the bare window', () => {
    expect(() => new ReplayGuard({ retentionMs: probeAgeMsMax + probeFutureSkewMsMax })).toThrow();
    expect(new ReplayGuard().retentionMs).toBeGreaterThan(probeAgeMsMax + probeFutureSkewMsMax);
  });
});
