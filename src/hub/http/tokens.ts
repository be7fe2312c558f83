// Bearer tokens: 256 random bits shown once, stored only as SHA-256 (high entropy needs no slow hash).
import { createHash, randomBytes } from 'node:crypto';

export function newToken(): string {
  return `fpk_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token, 'utf8').digest());
}
