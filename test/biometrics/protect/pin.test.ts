import { describe, expect, it, vi } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import { pinArgon2MemLimitBytes, pinArgon2OpsLimit } from '../../../src/shared/limits.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import {
  checkPinPolicy,
  createPinVerifier,
  pinVerifierNeedsRehash,
  verifyPin,
  warmUpPinVerifier,
} from '../../../src/biometrics/protect/pin.ts';

const pepper = sodium.randombytes_buf(32);
const adult = { child: false };

function codeOf(pin: string, context: { child: boolean; dateOfBirth?: string }) {
  const result = checkPinPolicy(pin, context);
  return result.ok ? 'ok' : result.error.code;
}

describe('PIN policy', () => {
  it('accepts 4 to 8 digits for adults and exactly 4 for children', () => {
    expect(codeOf('4816', adult)).toBe('ok');
    expect(codeOf('48163907', adult)).toBe('ok');
    expect(codeOf('4816', { child: true })).toBe('ok');
    expect(codeOf('481', adult)).toBe('pin_wrong_length');
    expect(codeOf('481639072', adult)).toBe('pin_wrong_length');
    expect(codeOf('48163', { child: true })).toBe('pin_wrong_length');
    expect(codeOf('48a6', adult)).toBe('pin_not_digits');
    expect(codeOf('４８１６', adult)).toBe('pin_not_digits');
    expect(codeOf('', adult)).toBe('pin_not_digits');
  });

  it('refuses trivial PINs', () => {
    for (const pin of ['0000', '7777', '1234', '0123', '9876', '4321', '123456', '87654321']) {
      expect(codeOf(pin, adult)).toBe('pin_too_simple');
    }
    for (const pin of ['1212', '454545', '1004', '2000', '6969', '1122']) {
      expect(codeOf(pin, adult)).toBe('pin_too_simple');
    }
    expect(codeOf('1235', adult)).toBe('ok');
  });

  it('refuses the date of birth in its usual forms', () => {
    const context = { child: false, dateOfBirth: '1985-07-23' };
    for (const pin of [
      '1985',
      '0723',
      '2307',
      '8507',
      '850723',
      '230785',
      '19850723',
      '23071985',
    ]) {
      expect(codeOf(pin, context)).toBe('pin_too_simple');
    }
    expect(codeOf('5819', context)).toBe('ok');
  });

  it('never puts the PIN in a message', () => {
    for (const pin of ['1234', '9x71', '27', '123456789']) {
      const result = checkPinPolicy(pin, adult);
      expect(!result.ok && result.error.message.includes(pin)).toBe(false);
    }
  });
});

describe('PIN verifier (Argon2id)', () => {
  const verifier = createPinVerifier({ pin: '480163', pepper });

  it('stores an Argon2id string with the configured cost, never the PIN', () => {
    const m = pinArgon2MemLimitBytes / 1024;
    expect(verifier.startsWith(`$argon2id$v=19$m=${m},t=${pinArgon2OpsLimit},p=1$`)).toBe(true);
    expect(verifier.includes('480163')).toBe(false);
    expect(createPinVerifier({ pin: '480163', pepper })).not.toBe(verifier);
    expect(pinVerifierNeedsRehash(verifier)).toBe(false);
    const weaker = sodium.crypto_pwhash_str('x', 1, 8 * 1024 * 1024);
    expect(pinVerifierNeedsRehash(weaker)).toBe(true);
  });

  it('accepts the right PIN, as a string or as bytes', () => {
    expect(verifyPin({ pin: '480163', pepper, verifier })).toBe(true);
    const bytes = sodium.from_string('480163');
    expect(verifyPin({ pin: bytes, pepper, verifier })).toBe(true);
  });

  it('refuses a wrong PIN and the right PIN under another pepper', () => {
    expect(verifyPin({ pin: '480164', pepper, verifier })).toBe(false);
    expect(verifyPin({ pin: '48016', pepper, verifier })).toBe(false);
    expect(verifyPin({ pin: '480163', pepper: sodium.randombytes_buf(32), verifier })).toBe(false);
  });

  it('does the same Argon2id work when there is no verifier, and says no', () => {
    warmUpPinVerifier();
    const spy = vi.spyOn(sodium, 'crypto_pwhash_str_verify');
    expect(verifyPin({ pin: '480163', pepper, verifier: null })).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);
    const dummy = spy.mock.calls[0]?.[0] ?? '';
    expect(dummy.startsWith(`$argon2id$v=19$m=${pinArgon2MemLimitBytes / 1024},`)).toBe(true);
    spy.mockRestore();
  });

  it('asserts programmer errors: pepper length, corrupt stored verifier', () => {
    expect(() => createPinVerifier({ pin: '480163', pepper: new Uint8Array(16) })).toThrow(
      AssertionError,
    );
    expect(() => verifyPin({ pin: '480163', pepper, verifier: '$2b$10$abc' })).toThrow(
      AssertionError,
    );
  });
});
