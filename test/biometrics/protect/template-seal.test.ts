import { afterEach, describe, expect, it, vi } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import {
  openTemplate,
  sealedTemplateBytes,
  sealTemplate,
  templateAssociatedData,
} from '../../../src/biometrics/protect/template-seal.ts';
import type { TemplateBinding } from '../../../src/biometrics/protect/template-seal.ts';
import { randomUnitVector, seededRandom } from '../match/random-vectors.ts';

const dataKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
const binding: TemplateBinding = { personId: 'per_1', templateId: 'tpl_1', modelId: 'faceapi-128' };
const dimension = 128;
const template = randomUnitVector(seededRandom(10), dimension);

function open(sealed: Uint8Array, overrides: { key?: Uint8Array; binding?: TemplateBinding } = {}) {
  return openTemplate({
    dataKey: overrides.key ?? dataKey,
    binding: overrides.binding ?? binding,
    sealed,
    dimension,
  });
}

describe('template seal', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('opens what it sealed, bit for bit, with a fresh nonce each time', () => {
    const sealed = sealTemplate({ dataKey, binding, template });
    expect(sealed.length).toBe(sealedTemplateBytes(dimension));
    expect(sealed.length).toBe(1 + 24 + 512 + 16);
    const opened = open(sealed);
    expect(opened.ok && opened.value).toEqual(template);
    const again = sealTemplate({ dataKey, binding, template });
    expect(sodium.to_hex(again)).not.toBe(sodium.to_hex(sealed));
  });

  it('refuses a tampered ciphertext anywhere: nonce, body or tag', () => {
    const sealed = sealTemplate({ dataKey, binding, template });
    for (const index of [1, 10, 24, 25, 200, sealed.length - 17, sealed.length - 1]) {
      const tampered = sealed.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      const result = open(tampered);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe('sealed_template_unauthentic');
    }
  });

  it('refuses a wrong key', () => {
    const sealed = sealTemplate({ dataKey, binding, template });
    const result = open(sealed, { key: sodium.crypto_aead_xchacha20poly1305_ietf_keygen() });
    expect(!result.ok && result.error.code).toBe('sealed_template_unauthentic');
  });

  it('refuses a template moved to another person, template id or model', () => {
    const sealed = sealTemplate({ dataKey, binding, template });
    for (const other of [
      { ...binding, personId: 'per_2' },
      { ...binding, templateId: 'tpl_2' },
      { ...binding, modelId: 'human-faceres' },
      { personId: 'tpl_1', templateId: 'per_1', modelId: binding.modelId },
    ]) {
      const result = open(sealed, { binding: other });
      expect(!result.ok && result.error.code).toBe('sealed_template_unauthentic');
    }
  });

  it('encodes associated data canonically, with length prefixes', () => {
    const a = templateAssociatedData({ personId: 'ab', templateId: 'c', modelId: 'm' });
    const b = templateAssociatedData({ personId: 'a', templateId: 'bc', modelId: 'm' });
    expect(sodium.to_hex(a)).not.toBe(sodium.to_hex(b));
    expect(sodium.to_hex(templateAssociatedData(binding))).toBe(
      sodium.to_hex(templateAssociatedData({ ...binding })),
    );
  });

  it('refuses wrong lengths and unknown formats as malformed', () => {
    const sealed = sealTemplate({ dataKey, binding, template });
    const cases = [
      new Uint8Array(0),
      sealed.subarray(0, sealed.length - 1),
      new Uint8Array([...sealed, 0]),
      new Uint8Array(20_000),
    ];
    for (const bad of cases) {
      const result = open(bad);
      expect(!result.ok && result.error.code).toBe('sealed_template_malformed');
    }
    const otherVersion = sealed.slice();
    otherVersion[0] = 2;
    const versionResult = open(otherVersion);
    expect(!versionResult.ok && versionResult.error.code).toBe('sealed_template_malformed');
    const wrongDimension = openTemplate({ dataKey, binding, sealed, dimension: 64 });
    expect(!wrongDimension.ok && wrongDimension.error.code).toBe('sealed_template_malformed');
  });

  it('asserts programmer errors: key length, empty ids, non-finite values', () => {
    expect(() => sealTemplate({ dataKey: new Uint8Array(16), binding, template })).toThrow(
      AssertionError,
    );
    expect(() =>
      sealTemplate({ dataKey, binding: { ...binding, personId: '' }, template }),
    ).toThrow(AssertionError);
    const bad = template.slice();
    bad[3] = Number.NaN;
    expect(() => sealTemplate({ dataKey, binding, template: bad })).toThrow(AssertionError);
  });

  it('zeroes the plaintext buffers it made, on seal and on open', () => {
    const zeroed: Uint8Array[] = [];
    const memzero = sodium.memzero.bind(sodium);
    vi.spyOn(sodium, 'memzero').mockImplementation((bytes: Uint8Array) => {
      memzero(bytes);
      zeroed.push(bytes);
    });
    const sealed = sealTemplate({ dataKey, binding, template });
    expect(open(sealed).ok).toBe(true);
    const plaintexts = zeroed.filter((b) => b.length === dimension * 4);
    expect(plaintexts.length).toBe(2);
    for (const bytes of plaintexts) expect(bytes.every((b) => b === 0)).toBe(true);
  });
});
