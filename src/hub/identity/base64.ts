// Base64 from request bodies (standard or URL-safe, padded or not) as bytes, or a 400 refusal.
// One decoder for every sealed field, so the bytes the hub opens are the bytes a signature covers.
import { sodium } from '../../biometrics/protect/sodium.ts';
import { refuse } from '../errors.ts';

export function fromBase64(value: string, what = 'a field'): Uint8Array {
  try {
    return sodium.from_base64(value.replace(/=+$/u, ''), sodium.base64_variants.URLSAFE_NO_PADDING);
  } catch {
    try {
      return new Uint8Array(Buffer.from(value, 'base64'));
    } catch {
      refuse('invalid_request', `${what} is not base64`);
    }
  }
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
