// Typed operating errors of the face engine: a bad image or a bad model install is a result the
// caller can show or log, never a crash, and every one carries a stable code.

export type ImageErrorCode =
  | 'image_empty'
  | 'image_too_many_bytes'
  | 'image_corrupt'
  | 'image_unsupported_format'
  | 'image_too_many_pixels'
  | 'image_too_small';

export class ImageInputError extends Error {
  override name = 'ImageInputError';
  readonly code: ImageErrorCode;

  constructor(code: ImageErrorCode, message: string, options?: { cause: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

export type StartupErrorCode =
  | 'model_manifest_invalid'
  | 'model_missing'
  | 'model_size_mismatch'
  | 'model_hash_mismatch'
  | 'model_invalid'
  | 'backend_unavailable';

/** The engine refuses to start: it never runs on a model it could not verify. */
export class EngineStartupError extends Error {
  override name = 'EngineStartupError';
  readonly code: StartupErrorCode;

  constructor(code: StartupErrorCode, message: string, options?: { cause: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}
