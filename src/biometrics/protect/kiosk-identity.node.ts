// A kiosk's own device identity: an Ed25519 signing key pair and an X25519 box key pair made on the kiosk,
// kept as 0600 seed files in a 0700 directory; only the public halves ever leave it (admin registration).
import { join } from 'node:path';
import { assert } from '../../shared/assert.ts';
import { createKeyFile, ensureKeyDirectory, readKeyFile } from './key-files.node.ts';
import type { KeyFileErrorCode, KeyKind } from './key-files.node.ts';
import { fail, ok } from './result.ts';
import type { Result } from './result.ts';
import { sodium } from './sodium.ts';

export const kioskKeyFileNames = {
  'kiosk-signing-seed': 'kiosk-signing.key',
  'kiosk-box-secret': 'kiosk-box.key',
} as const satisfies Partial<Record<KeyKind, string>>;

export interface KioskIdentity {
  readonly signing: { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
  readonly box: { readonly publicKey: Uint8Array; readonly privateKey: Uint8Array };
}

/** Loads the kiosk's key pairs from `dir`, making missing ones when `create` is set. */
export async function loadKioskIdentity(options: {
  dir: string;
  create: boolean;
}): Promise<Result<KioskIdentity, KeyFileErrorCode>> {
  const directory = await ensureKeyDirectory(options.dir);
  if (!directory.ok) return directory;
  const signingSeed = await loadSeed(options, 'kiosk-signing-seed');
  if (!signingSeed.ok) return signingSeed;
  const boxSecret = await loadSeed(options, 'kiosk-box-secret');
  if (!boxSecret.ok) {
    sodium.memzero(signingSeed.value);
    return boxSecret;
  }
  const signing = sodium.crypto_sign_seed_keypair(signingSeed.value);
  sodium.memzero(signingSeed.value);
  const box = {
    publicKey: sodium.crypto_scalarmult_base(boxSecret.value),
    privateKey: boxSecret.value,
  };
  return ok({ signing: { publicKey: signing.publicKey, secretKey: signing.privateKey }, box });
}

/** The registration fields an admin sends to `POST /v1/admin/kiosks` (public keys only, base64). */
export function kioskPublicKeys(identity: KioskIdentity): {
  signingPublicKey: string;
  boxPublicKey: string;
} {
  const base64 = (bytes: Uint8Array) => sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
  return {
    signingPublicKey: base64(identity.signing.publicKey),
    boxPublicKey: base64(identity.box.publicKey),
  };
}

/** Zeroes the secret halves; the identity is unusable afterwards. */
export function disposeKioskIdentity(identity: KioskIdentity): void {
  sodium.memzero(identity.signing.secretKey);
  sodium.memzero(identity.box.privateKey);
}

async function loadSeed(
  options: { dir: string; create: boolean },
  kind: keyof typeof kioskKeyFileNames,
): Promise<Result<Uint8Array, KeyFileErrorCode>> {
  const path = join(options.dir, kioskKeyFileNames[kind]);
  const loaded = await readKeyFile({ path, kind });
  if (loaded.ok || loaded.error.code !== 'key_file_missing' || !options.create) return loaded;
  const seed = sodium.randombytes_buf(32);
  const created = await createKeyFile({ path, kind, key: seed });
  sodium.memzero(seed);
  if (!created.ok) return fail(created.error.code, created.error.message);
  const reread = await readKeyFile({ path, kind });
  assert(!reread.ok || reread.value.length === 32, 'a kiosk seed is 32 bytes');
  return reread;
}
