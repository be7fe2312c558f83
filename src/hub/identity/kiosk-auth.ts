// Checks what registered kiosks sign: a provisioning request or an alert (fresh, never replayed, from an
// active kiosk of the calling client) and the attestation on identify, required once a client has any kiosk.
import { kioskRequestAgeMsMax, kioskRequestFutureSkewMsMax } from '../../shared/limits.ts';
import type {
  GuardianConsentRequest,
  IdentifyRequest,
  KioskAlertRequest,
  KioskAttestation,
  ProvisionTransformKeyRequest,
} from '../../shared/hub-api.ts';
import {
  alertDigest,
  attestationDigest,
  guardianAttestationDigest,
  kioskRequestNonceBytes,
  provisionDigest,
  verifyKioskSignature,
} from '../../biometrics/protect/kiosk-attestation.ts';
import type { Clock } from '../clock.ts';
import { refuse } from '../errors.ts';
import type { StoreTx } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { KioskRecord } from '../storage/kiosk-records.ts';
import { fromBase64 } from './base64.ts';
import { spendNonce } from './replay-nonces.ts';

/** Verifies signed kiosk requests (provisioning, alerts); their nonces are spent in the database (replay-nonces.ts). */
export class KioskRequestVerifier {
  constructor(private readonly clock: Clock) {}

  async verifyProvisionRequest(options: {
    tx: StoreTx;
    caller: ClientRecord;
    kioskId: string;
    request: ProvisionTransformKeyRequest;
  }): Promise<KioskRecord> {
    const { kioskId, request } = options;
    return this.#verifySigned(options, (nonce) =>
      provisionDigest({ kioskId, nonce, timestamp: request.timestamp }),
    );
  }

  /** The same checks for an alert, under its own digest (alertDigest): no other signature passes. */
  async verifyAlertRequest(options: {
    tx: StoreTx;
    caller: ClientRecord;
    kioskId: string;
    request: KioskAlertRequest;
  }): Promise<KioskRecord> {
    const { kioskId, request } = options;
    return this.#verifySigned(options, (nonce) =>
      alertDigest({
        kioskId,
        alertId: request.alertId,
        type: request.type,
        occurredAt: request.occurredAt,
        failedLooksInARow: request.failedLooksInARow,
        nonce,
        timestamp: request.timestamp,
      }),
    );
  }

  /** The kiosk is the caller's and active, signed `digestFor(nonce)`, is fresh, and its nonce is new. */
  async #verifySigned(
    options: {
      tx: StoreTx;
      caller: ClientRecord;
      kioskId: string;
      request: { nonce: string; timestamp: string; signature: string };
    },
    digestFor: (nonce: Uint8Array) => Uint8Array,
  ): Promise<KioskRecord> {
    const { caller, kioskId, request } = options;
    const kiosk = await options.tx.getKiosk(kioskId);
    if (kiosk === undefined) refuse('not_found', `kiosk ${kioskId} not found`);
    if (kiosk.clientId !== caller.id)
      refuse('forbidden', 'this kiosk is registered to another client');
    if (kiosk.revokedAt !== null) refuse('kiosk_revoked', 'this kiosk was revoked');
    const nonce = fromBase64(request.nonce, 'nonce');
    if (nonce.length !== kioskRequestNonceBytes)
      refuse('invalid_request', `nonce must be ${kioskRequestNonceBytes} bytes`);
    const valid = verifyKioskSignature({
      digest: digestFor(nonce),
      signature: fromBase64(request.signature, 'signature'),
      signingPublicKey: kiosk.signingPublicKey,
    });
    if (!valid) refuse('kiosk_signature_invalid', "the request is not signed by this kiosk's key");
    const now = this.clock.now();
    const at = Date.parse(request.timestamp);
    if (!(at >= now - kioskRequestAgeMsMax && at <= now + kioskRequestFutureSkewMsMax)) {
      refuse('kiosk_request_stale', 'the signed request is outside the freshness window');
    }
    await spendNonce(options.tx, { purpose: 'kiosk_request', nonce, nowMs: now });
    return kiosk;
  }
}

/**
 * The kiosk that vouches for this identify. Liveness is only what a registered kiosk signed, so every
 * identify must attest; only a hub started with allowUnattested (demo data and tests) takes a client
 * that never had a kiosk at its word (null). A client with any kiosk, revoked ones included, must
 * attest even then: revoking fails closed.
 */
export async function requireKioskAttestation(
  tx: StoreTx,
  caller: ClientRecord,
  request: IdentifyRequest,
  options: { allowUnattested: boolean },
): Promise<KioskRecord | null> {
  return requireAttestingKiosk(tx, caller, request.kioskAttestation, {
    ...options,
    what: 'identify',
    covers: 'probe, liveness, payee, amount, purpose and model',
    digestFor: (kioskId) =>
      attestationDigest({
        kioskId,
        modelId: request.modelId,
        payee: request.payee,
        amount: request.amount,
        liveness: request.liveness,
        sealedProbe: fromBase64(request.sealedProbe, 'sealedProbe'),
        purpose: request.purpose,
      }),
  });
}

/** The same rule for a guardian's consent at an enrolment station: its own signed digest. */
export async function requireGuardianAttestation(
  tx: StoreTx,
  caller: ClientRecord,
  request: GuardianConsentRequest,
  options: { allowUnattested: boolean },
): Promise<KioskRecord | null> {
  return requireAttestingKiosk(tx, caller, request.kioskAttestation, {
    ...options,
    what: 'guardian consent',
    covers: 'probe, liveness, child account, limits and model',
    digestFor: (kioskId) =>
      guardianAttestationDigest({
        kioskId,
        modelId: request.modelId,
        childAccountId: request.childAccountId,
        limits: request.limits,
        blockedCategories: request.blockedCategories,
        liveness: request.liveness,
        sealedProbe: fromBase64(request.sealedProbe, 'sealedProbe'),
      }),
  });
}

async function requireAttestingKiosk(
  tx: StoreTx,
  caller: ClientRecord,
  attestation: KioskAttestation | undefined,
  options: {
    allowUnattested: boolean;
    what: string;
    covers: string;
    digestFor: (kioskId: string) => Uint8Array;
  },
): Promise<KioskRecord | null> {
  if (attestation === undefined) {
    if (!options.allowUnattested) {
      refuse(
        'kiosk_attestation_required',
        `every ${options.what} must carry the attestation of a registered kiosk`,
      );
    }
    if ((await tx.countKiosksOfClient(caller.id)) > 0) {
      refuse(
        'kiosk_attestation_required',
        `this client's kiosks must attest every ${options.what}`,
      );
    }
    return null;
  }
  const kiosk = await tx.getKiosk(attestation.kioskId);
  if (kiosk === undefined || kiosk.clientId !== caller.id) {
    refuse('kiosk_attestation_invalid', 'the attesting kiosk is not registered to this client');
  }
  if (kiosk.revokedAt !== null) refuse('kiosk_revoked', 'the attesting kiosk was revoked');
  const valid = verifyKioskSignature({
    digest: options.digestFor(kiosk.id),
    signature: fromBase64(attestation.signature, 'signature'),
    signingPublicKey: kiosk.signingPublicKey,
  });
  if (!valid) {
    refuse(
      'kiosk_attestation_invalid',
      `the kiosk's signature does not cover this ${options.covers}`,
    );
  }
  return kiosk;
}
