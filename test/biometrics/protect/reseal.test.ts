import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import { CancelableTransform } from '../../../src/biometrics/protect/cancelable-transform.ts';
import { resealTemplate } from '../../../src/biometrics/protect/reseal.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import { openTemplate, sealTemplate } from '../../../src/biometrics/protect/template-seal.ts';
import { cosine, perturbed, randomUnitVector, seededRandom } from '../match/random-vectors.ts';

const dimension = 128;
const binding = { personId: 'per_9', templateId: 'tpl_9', modelId: 'faceapi-128' };

describe('reseal', () => {
  it('moves a stored template to a new transform key and data key without the face', () => {
    const oldData = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    const newData = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    const oldT = CancelableTransform.fromKey({ key: sodium.randombytes_buf(32), dimension });
    const newT = CancelableTransform.fromKey({ key: sodium.randombytes_buf(32), dimension });
    const random = seededRandom(70);
    const face = randomUnitVector(random, dimension);
    const stored = sealTemplate({ dataKey: oldData, binding, template: oldT.apply(face) });
    const renewed = resealTemplate({
      sealed: stored,
      binding,
      dimension,
      fromDataKey: oldData,
      toDataKey: newData,
      rekeyer: oldT.rekeyerTo(newT),
    });
    if (!renewed.ok) throw new Error(renewed.error.message);
    const opened = openTemplate({ dataKey: newData, binding, sealed: renewed.value, dimension });
    if (!opened.ok) throw new Error(opened.error.message);
    // A new capture at a kiosk on the new key matches the renewed template.
    const probe = newT.apply(perturbed(random, face, 0.2));
    expect(cosine(opened.value, probe)).toBeGreaterThan(0.95);
    expect(cosine(oldT.apply(face), probe)).toBeLessThan(0.5);
    expect(cosine(opened.value, newT.apply(face))).toBeGreaterThan(1 - 1e-6);
    const old = openTemplate({ dataKey: oldData, binding, sealed: renewed.value, dimension });
    expect(old.ok).toBe(false);
  });

  it('rotates the data key alone, and refuses a template it cannot open', () => {
    const oldData = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    const newData = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    const template = randomUnitVector(seededRandom(71), dimension);
    const stored = sealTemplate({ dataKey: oldData, binding, template });
    const base = { sealed: stored, binding, dimension, fromDataKey: oldData, toDataKey: newData };
    const rotated = resealTemplate(base);
    expect(rotated.ok).toBe(true);
    if (!rotated.ok) return;
    const opened = openTemplate({ dataKey: newData, binding, sealed: rotated.value, dimension });
    expect(opened.ok && opened.value).toEqual(template);
    const wrong = resealTemplate({ ...base, fromDataKey: newData });
    expect(!wrong.ok && wrong.error.code).toBe('sealed_template_unauthentic');
  });
});

describe('reseal with the transform key id bound', () => {
  it('re-binds to the new key id, and the old binding no longer opens it', () => {
    const data = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    const oldT = CancelableTransform.fromKey({ key: sodium.randombytes_buf(32), dimension });
    const newT = CancelableTransform.fromKey({ key: sodium.randombytes_buf(32), dimension });
    const face = randomUnitVector(seededRandom(72), dimension);
    const bound = { ...binding, transformKeyId: oldT.keyId };
    const stored = sealTemplate({ dataKey: data, binding: bound, template: oldT.apply(face) });
    const unbound = openTemplate({ dataKey: data, binding, sealed: stored, dimension });
    expect(!unbound.ok && unbound.error.code).toBe('sealed_template_unauthentic');
    const base = { sealed: stored, binding: bound, dimension, fromDataKey: data, toDataKey: data };
    const renewed = resealTemplate({ ...base, rekeyer: oldT.rekeyerTo(newT) });
    if (!renewed.ok) throw new Error(renewed.error.message);
    const asNew = { ...binding, transformKeyId: newT.keyId };
    const opened = openTemplate({
      dataKey: data,
      binding: asNew,
      sealed: renewed.value,
      dimension,
    });
    expect(opened.ok && cosine(opened.value, newT.apply(face))).toBeGreaterThan(1 - 1e-6);
    const asOld = openTemplate({ dataKey: data, binding: bound, sealed: renewed.value, dimension });
    expect(asOld.ok).toBe(false);
    expect(() => resealTemplate({ ...base, rekeyer: newT.rekeyerTo(oldT) })).toThrow(
      AssertionError,
    );
  });
});
