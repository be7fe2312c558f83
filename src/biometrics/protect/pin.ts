// PIN policy and the Argon2id verifier the hub stores instead of the PIN (DESIGN.md "Template protection").
// The PIN is pre-hashed with a secret pepper from a key file, so a stolen database alone cannot be brute-forced.
import { assert } from '../../shared/assert.ts';
import {
  pinArgon2MemLimitBytes,
  pinArgon2OpsLimit,
  pinDigitsChild,
  pinDigitsMax,
  pinDigitsMin,
  pinVerifierLengthMax,
  templateKeyBytes,
} from '../../shared/limits.ts';
import { fail, ok } from './result.ts';
import type { Result } from './result.ts';
import { sodium } from './sodium.ts';

/*
 * Policy, decided here:
 * - digits only; a child's account has exactly 4 digits (DESIGN.md: face + 4-digit PIN), others 4..8;
 * - refused as trivial: one digit repeated (0000), a run up or down by one (1234, 9876, 0123), a
 *   repeated pair (1212, 454545), the most common 4-digit PINs of published leaks (DataGenetics 2012:
 *   the top 20 hold about 27% of all PINs), and, when the date of birth is known, the date in any of
 *   the usual forms (YYYY, MMDD, DDMM, YYMMDD, YYYYMMDD...), as Japanese banks refuse them.
 * The verifier is Argon2id with opslimit 2 and 64 MiB (libsodium's INTERACTIVE level): measured on the
 * 2-core build machine at about 145 ms per creation or verification (right PIN, wrong PIN and no
 * verifier alike), after a first call of about 0.5 s that grows the wasm heap: see warmUpPinVerifier().
 * 10^4 four-digit PINs x 145 ms is only 25 minutes of one core, which is why the pepper (kept in a key
 * file, not the database) and the hub's 3-try lock, not Argon2id alone, protect a PIN.
 */
const commonPins = new Set([
  '1234', '1111', '0000', '1212', '7777', '1004', '2000', '4444', '2222', '6969',
  '9999', '3333', '5555', '6666', '1122', '1313', '8888', '4321', '2001', '1010',
]); // prettier-ignore
const pepperContext = 'facepay.pin-pepper.v1';
const prehashBytes = 32;
const verifierPrefix = '$argon2id$';

export type PinPolicyErrorCode = 'pin_not_digits' | 'pin_wrong_length' | 'pin_too_simple';

export interface PinPolicyContext {
  readonly child: boolean;
  /** ISO date YYYY-MM-DD, when the verified date of birth is known. */
  readonly dateOfBirth?: string;
}

/** Checks a PIN the person chose. Messages never contain the PIN. */
export function checkPinPolicy(
  pin: string,
  context: PinPolicyContext,
): Result<void, PinPolicyErrorCode> {
  if (!/^[0-9]+$/.test(pin)) return fail('pin_not_digits', 'a PIN has digits only');
  const min = context.child ? pinDigitsChild : pinDigitsMin;
  const max = context.child ? pinDigitsChild : pinDigitsMax;
  if (pin.length < min || pin.length > max) {
    return fail('pin_wrong_length', `a PIN has ${min === max ? min : `${min} to ${max}`} digits`);
  }
  if (isTrivialPin(pin) || isDateOfBirth(pin, context.dateOfBirth)) {
    return fail('pin_too_simple', 'this PIN is too easy to guess; choose another');
  }
  return ok(undefined);
}

function isTrivialPin(pin: string): boolean {
  if (commonPins.has(pin)) return true;
  const digits = [...pin].map(Number);
  const steps = digits.slice(1).map((d, i) => d - (digits[i] ?? 0));
  if (steps.every((s) => s === 0) || steps.every((s) => s === 1) || steps.every((s) => s === -1)) {
    return true;
  }
  return pin.length % 2 === 0 && pin === pin.slice(0, 2).repeat(pin.length / 2);
}

function isDateOfBirth(pin: string, dateOfBirth: string | undefined): boolean {
  if (dateOfBirth === undefined) return false;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
  assert(match !== null, 'date of birth must be YYYY-MM-DD');
  const [, yyyy = '', mm = '', dd = ''] = match;
  const yy = yyyy.slice(2);
  const forms = [
    yyyy,
    mm + dd,
    dd + mm,
    yy + mm,
    mm + yy,
    yy + mm + dd,
    dd + mm + yy,
    mm + dd + yy,
  ];
  return forms.includes(pin) || [yyyy + mm + dd, dd + mm + yyyy, mm + dd + yyyy].includes(pin);
}

/** Argon2id verifier string ($argon2id$v=19$m=65536,t=2,p=1$...) to store in place of the PIN. */
export function createPinVerifier(options: {
  pin: Uint8Array | string;
  pepper: Uint8Array;
}): string {
  const prehash = pepperedPrehash(options.pin, options.pepper);
  const verifier = sodium.crypto_pwhash_str(prehash, pinArgon2OpsLimit, pinArgon2MemLimitBytes);
  sodium.memzero(prehash);
  assert(verifier.startsWith(verifierPrefix), 'libsodium default must be Argon2id');
  assert(verifier.length <= pinVerifierLengthMax, 'verifier length');
  return verifier;
}

/**
 * True when the PIN matches. With `verifier: null` (a person without a PIN, or unknown) the same
 * Argon2id work is done against a throwaway verifier and false returned, so timing tells nothing.
 * The final comparison inside crypto_pwhash_str_verify is constant-time.
 */
export function verifyPin(options: {
  pin: Uint8Array | string;
  pepper: Uint8Array;
  verifier: string | null;
}): boolean {
  const { verifier } = options;
  const prehash = pepperedPrehash(options.pin, options.pepper);
  let matched: boolean;
  if (verifier === null) {
    sodium.crypto_pwhash_str_verify(dummyVerifier(), prehash);
    matched = false;
  } else {
    assert(
      verifier.startsWith(verifierPrefix) && verifier.length <= pinVerifierLengthMax,
      'stored PIN verifier must be an Argon2id string',
    );
    matched = sodium.crypto_pwhash_str_verify(verifier, prehash);
  }
  sodium.memzero(prehash);
  return matched;
}

/** True when the verifier was made with other Argon2id parameters than today's limits. */
export function pinVerifierNeedsRehash(verifier: string): boolean {
  return sodium.crypto_pwhash_str_needs_rehash(verifier, pinArgon2OpsLimit, pinArgon2MemLimitBytes);
}

/** BLAKE2b-256 keyed by the pepper over a context and the PIN; bytes copied here are zeroed. */
/** The peppered pre-hash Argon2id is computed over (cheap; see pin-pool.node.ts for the slow part). */
export function pinPrehash(pin: Uint8Array | string, pepper: Uint8Array): Uint8Array {
  return pepperedPrehash(pin, pepper);
}

/** The throwaway verifier a check against "no PIN" runs against, so timing tells nothing. */
export function pinDummyVerifier(): string {
  return dummyVerifier();
}

function pepperedPrehash(pin: Uint8Array | string, pepper: Uint8Array): Uint8Array {
  assert(pepper.length === templateKeyBytes, `PIN pepper must be ${templateKeyBytes} bytes`);
  const pinBytes = typeof pin === 'string' ? sodium.from_string(pin) : pin;
  assert(pinBytes.length > 0 && pinBytes.length <= pinDigitsMax, 'PIN length');
  const context = sodium.from_string(pepperContext);
  const message = new Uint8Array(context.length + pinBytes.length);
  message.set(context);
  message.set(pinBytes, context.length);
  const prehash = sodium.crypto_generichash(prehashBytes, message, pepper);
  sodium.memzero(message);
  if (typeof pin === 'string') sodium.memzero(pinBytes);
  return prehash;
}

/** Grows libsodium's heap and makes the throwaway verifier at start-up, not on a shopper's first try. */
export function warmUpPinVerifier(): void {
  dummyVerifier();
}

let dummy: string | undefined;

function dummyVerifier(): string {
  dummy ??= sodium.crypto_pwhash_str(
    sodium.randombytes_buf(prehashBytes),
    pinArgon2OpsLimit,
    pinArgon2MemLimitBytes,
  );
  return dummy;
}
