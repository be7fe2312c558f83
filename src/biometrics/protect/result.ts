// The result shape of template protection: operating errors (tampered data, replays) are values, never throws.
// Programmer errors (wrong key length, impossible state) stay assertions, see src/shared/assert.ts.

export type Result<T, C extends string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: C; readonly message: string } };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail<C extends string>(
  code: C,
  message: string,
): { readonly ok: false; readonly error: { readonly code: C; readonly message: string } } {
  return { ok: false, error: { code, message } };
}
