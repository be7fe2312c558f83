// Seals a protected template at rest with XChaCha20-Poly1305 under the hub's data key, binding it to its
// person, template and model ids, so a row copied onto another person or model fails to open.
import { assert } from '../../shared/assert.ts';
import {
  sealedTemplateBytesMax,
  templateBindingIdLengthMax,
  templateDimensionMax,
  templateDimensionMin,
  templateKeyBytes,
} from '../../shared/limits.ts';
import { assertTemplateDimension } from './cancelable-transform.ts';
import { fail, ok } from './result.ts';
import type { Result } from './result.ts';
import { sodium } from './sodium.ts';

/** Format byte first, so a later format can be told apart; it is also bound in the associated data. */
const sealFormatVersion = 1;
const associatedDataContext = 'facepay.template-seal.v1';
const nonceBytes = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
const tagBytes = 16; // crypto_aead_xchacha20poly1305_ietf_ABYTES
const headerBytes = 1 + nonceBytes;

export interface TemplateBinding {
  readonly personId: string;
  readonly templateId: string;
  readonly modelId: string;
  /**
   * The cancelable transform's keyId, when the hub records it: a template then cannot be opened as if it
   * were under another transform key, which keeps a half-finished re-key from matching garbage.
   */
  readonly transformKeyId?: string;
}

export type TemplateSealErrorCode = 'sealed_template_malformed' | 'sealed_template_unauthentic';

export function sealedTemplateBytes(dimension: number): number {
  return headerBytes + dimension * 4 + tagBytes;
}

/**
 * The dimension a sealed template was sealed with, read from its length (undefined when no dimension fits).
 * The length is authenticated with the rest: openTemplate at this dimension still checks every byte.
 */
export function sealedTemplateDimension(sealed: Uint8Array): number | undefined {
  const bodyBytes = sealed.length - sealedTemplateBytes(0);
  if (bodyBytes <= 0 || bodyBytes % 4 !== 0) return undefined;
  const dimension = bodyBytes / 4;
  return dimension >= templateDimensionMin && dimension <= templateDimensionMax
    ? dimension
    : undefined;
}

export function sealTemplate(options: {
  dataKey: Uint8Array;
  binding: TemplateBinding;
  template: Float32Array;
}): Uint8Array {
  const { dataKey, binding, template } = options;
  assertKey(dataKey);
  assertTemplateDimension(template.length);
  const plaintext = encodeTemplate(template);
  const ad = templateAssociatedData(binding);
  const nonce = sodium.randombytes_buf(nonceBytes);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    ad,
    null,
    nonce,
    dataKey,
  );
  sodium.memzero(plaintext);
  const sealed = new Uint8Array(headerBytes + ciphertext.length);
  sealed[0] = sealFormatVersion;
  sealed.set(nonce, 1);
  sealed.set(ciphertext, headerBytes);
  assert(sealed.length === sealedTemplateBytes(template.length), 'sealed template length');
  return sealed;
}

/**
 * Opens a sealed template. A wrong key, wrong binding or any changed byte all read as
 * `sealed_template_unauthentic`: the AEAD tells them apart for nobody, on purpose.
 */
export function openTemplate(options: {
  dataKey: Uint8Array;
  binding: TemplateBinding;
  sealed: Uint8Array;
  dimension: number;
}): Result<Float32Array, TemplateSealErrorCode> {
  const { dataKey, binding, sealed, dimension } = options;
  assertKey(dataKey);
  assertTemplateDimension(dimension);
  if (sealed.length > sealedTemplateBytesMax || sealed.length !== sealedTemplateBytes(dimension)) {
    return fail('sealed_template_malformed', 'sealed template has the wrong length');
  }
  if (sealed[0] !== sealFormatVersion) {
    return fail('sealed_template_malformed', 'unknown sealed template format');
  }
  const ad = templateAssociatedData(binding);
  const nonce = sealed.subarray(1, headerBytes);
  let plaintext: Uint8Array;
  try {
    plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      sealed.subarray(headerBytes),
      ad,
      nonce,
      dataKey,
    );
  } catch {
    return fail('sealed_template_unauthentic', 'sealed template failed authentication');
  }
  assert(plaintext.length === dimension * 4, 'authentic plaintext has the sealed length');
  const template = decodeTemplate(plaintext);
  sodium.memzero(plaintext);
  return ok(template);
}

/**
 * Canonical associated data: context, format version, then person id, template id, model id and
 * transform key id (empty if absent), each as u32 little-endian byte length followed by its UTF-8
 * bytes. Length prefixes make ("ab","c") and ("a","bc") different.
 */
export function templateAssociatedData(binding: TemplateBinding): Uint8Array {
  const ids = [binding.personId, binding.templateId, binding.modelId];
  const fields = ids.map((id) => {
    assert(
      id.length > 0 && id.length <= templateBindingIdLengthMax,
      `binding ids must be 1..${templateBindingIdLengthMax} characters`,
    );
    return sodium.from_string(id);
  });
  const keyId = binding.transformKeyId ?? '';
  assert(keyId.length <= templateBindingIdLengthMax, 'transform key id length');
  fields.push(sodium.from_string(keyId)); // empty when not recorded: still length-prefixed
  const context = sodium.from_string(associatedDataContext);
  const total = context.length + 1 + fields.reduce((sum, f) => sum + 4 + f.length, 0);
  const ad = new Uint8Array(total);
  const view = new DataView(ad.buffer);
  ad.set(context, 0);
  let offset = context.length;
  ad[offset] = sealFormatVersion;
  offset += 1;
  for (const field of fields) {
    view.setUint32(offset, field.length, true);
    ad.set(field, offset + 4);
    offset += 4 + field.length;
  }
  assert(offset === total, 'associated data length');
  return ad;
}

/** Float32 little-endian whatever the platform, so a sealed template opens on any machine. */
export function encodeTemplate(template: Float32Array): Uint8Array {
  const bytes = new Uint8Array(template.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < template.length; i++) {
    const v = template[i] ?? Number.NaN;
    assert(Number.isFinite(v), 'template values must be finite');
    view.setFloat32(i * 4, v, true);
  }
  return bytes;
}

export function decodeTemplate(bytes: Uint8Array): Float32Array {
  assert(bytes.length % 4 === 0, 'template bytes must be a multiple of 4');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const template = new Float32Array(bytes.length / 4);
  for (let i = 0; i < template.length; i++) {
    const v = view.getFloat32(i * 4, true);
    assert(Number.isFinite(v), 'decoded template values must be finite');
    template[i] = v;
  }
  return template;
}

function assertKey(key: Uint8Array): void {
  assert(key.length === templateKeyBytes, `data key must be ${templateKeyBytes} bytes`);
}
