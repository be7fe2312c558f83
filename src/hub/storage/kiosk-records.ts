// Stored records of registered kiosk devices: the public halves of the key pairs a kiosk made itself.
// The hub keeps no kiosk secret; a revoked kiosk keeps its row so its key can never come back.

export interface KioskRecord {
  id: string;
  name: string;
  /** The merchant (or enrollment) client whose token the kiosk calls with. */
  clientId: string;
  /** Ed25519 public key: provisioning requests and identify attestations are signed with it. */
  signingPublicKey: Uint8Array;
  /** X25519 public key: the transform key is sealed to it (crypto_box_seal). */
  boxPublicKey: Uint8Array;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
}
