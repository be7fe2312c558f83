// The kiosk's last step before anything leaves it: normalise the descriptor, apply the deployment's
// cancelable transform, seal the protected template to the hub, and (registered kiosks) attest to it.
import { assert } from '../../shared/assert.ts';
import type { CancelableTransform } from './cancelable-transform.ts';
import {
  attestationDigest,
  guardianAttestationDigest,
  signKioskDigest,
  type AttestedGuardianConsent,
  type IdentifyPurpose,
  type LivenessVerdict,
} from './kiosk-attestation.ts';
import { sealProbe } from './probe-seal.ts';
import { sodium } from './sodium.ts';

/**
 * The sealed probe names the transform's key id, so a hub that was re-keyed can say so, and, from a
 * registered kiosk that attests to it, that kiosk's id: the hub takes no other kiosk's attestation for it.
 * An enrolment template (attested by nobody) names no kiosk.
 */
export function protectProbe(options: {
  descriptor: Float32Array;
  transform: CancelableTransform;
  hubPublicKey: Uint8Array;
  modelId: string;
  nowMs: number;
  kioskId?: string;
}): Uint8Array {
  const { descriptor, transform } = options;
  assert(descriptor.length === transform.dimension, 'descriptor and transform dimensions agree');
  let norm = 0;
  for (const value of descriptor) norm += value * value;
  norm = Math.sqrt(norm);
  assert(norm > 0 && Number.isFinite(norm), 'a descriptor has a finite, non-zero norm');
  const unit = descriptor.map((value) => value / norm);
  const protectedTemplate = transform.apply(unit);
  unit.fill(0);
  const sealed = sealProbe({
    hubPublicKey: options.hubPublicKey,
    template: protectedTemplate,
    modelId: options.modelId,
    nowMs: options.nowMs,
    transformKeyId: transform.keyId,
    ...(options.kioskId === undefined ? {} : { kioskId: options.kioskId }),
  });
  protectedTemplate.fill(0);
  return sealed;
}

/** What every attested probe shares: the descriptor to protect, the hub's key and the kiosk's. */
interface AttestedProbeOptions {
  descriptor: Float32Array;
  transform: CancelableTransform;
  hubPublicKey: Uint8Array;
  modelId: string;
  nowMs: number;
  kiosk: { kioskId: string; signingSecretKey: Uint8Array };
  liveness: LivenessVerdict;
}

interface AttestedProbe {
  sealedProbe: string;
  kioskAttestation: { kioskId: string; signature: string };
}

/** Protects and seals the probe, then signs the digest `digestOf` makes of it (base64 both). */
function sealAndSign(
  options: AttestedProbeOptions,
  digestOf: (sealedProbe: Uint8Array) => Uint8Array,
): AttestedProbe {
  const sealed = protectProbe({ ...options, kioskId: options.kiosk.kioskId });
  const signature = signKioskDigest(digestOf(sealed), options.kiosk.signingSecretKey);
  const base64 = (bytes: Uint8Array) => sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
  return {
    sealedProbe: base64(sealed),
    kioskAttestation: { kioskId: options.kiosk.kioskId, signature: base64(signature) },
  };
}

/**
 * A registered kiosk's identify fields in one call: the sealed probe and the kiosk's signature binding
 * it to the liveness verdict, payee, amount, purpose and model, ready for `POST /v1/identify` (base64).
 */
export function protectAndAttest(
  options: AttestedProbeOptions & { payee: string; amount: number; purpose?: IdentifyPurpose },
): AttestedProbe {
  return sealAndSign(options, (sealedProbe) =>
    attestationDigest({
      kioskId: options.kiosk.kioskId,
      modelId: options.modelId,
      payee: options.payee,
      amount: options.amount,
      liveness: options.liveness,
      sealedProbe,
      purpose: options.purpose,
    }),
  );
}

/**
 * An enrolment station's guardian-consent fields: the guardian's sealed probe and the station's
 * signature binding it to the liveness verdict, the child's account, the limits and the model.
 */
export function protectAndAttestGuardian(
  options: AttestedProbeOptions & {
    childAccountId: string;
    limits: AttestedGuardianConsent['limits'];
    blockedCategories: readonly string[];
  },
): AttestedProbe {
  return sealAndSign(options, (sealedProbe) =>
    guardianAttestationDigest({
      kioskId: options.kiosk.kioskId,
      modelId: options.modelId,
      childAccountId: options.childAccountId,
      limits: options.limits,
      blockedCategories: options.blockedCategories,
      liveness: options.liveness,
      sealedProbe,
    }),
  );
}
