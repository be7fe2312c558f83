// Enrolment officers of a station: each signs in with an id and a PIN that the station's config keeps
// only as an Argon2id verifier (libsodium's crypto_pwhash_str), never in clear, so a copied config gives no PIN.
import { sodium } from '../biometrics/protect/sodium.ts';
import { assert } from '../shared/assert.ts';

/** Interactive cost: a sign-in takes a fraction of a second; wrong tries are counted by the station. */
const opsLimit = 2;
const memLimitBytes = 64 * 1024 * 1024;

/** Officer ids as the hub's audit and the station's log name them. */
export const officerIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;
/** crypto_pwhash_str's Argon2id encoding. */
export const officerVerifierPattern =
  /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** The verifier to put in the station's config for `pin` (`npm run kiosk:officer -- --pin ...`). */
export function officerPinVerifier(pin: string): string {
  assert(/^[0-9]{4,12}$/.test(pin), 'an officer PIN is 4 to 12 digits');
  return sodium.crypto_pwhash_str(pin, opsLimit, memLimitBytes);
}

/** Constant time inside libsodium; a malformed verifier never verifies. */
export function officerPinMatches(pin: string, verifier: string): boolean {
  if (!officerVerifierPattern.test(verifier)) return false;
  try {
    return sodium.crypto_pwhash_str_verify(verifier, pin);
  } catch {
    return false;
  }
}
