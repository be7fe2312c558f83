// Operating errors of the hub: a refusal with a contract code (API.md) that the HTTP layer answers with.
// Programmer errors are AssertionErrors instead and never become a 4xx.
import { errorStatus, type ErrorCode } from '../shared/error-codes.ts';

export class HubError extends Error {
  override name = 'HubError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = errorStatus[code];
  }
}

export function refuse(code: ErrorCode, message: string, extra?: Record<string, unknown>): never {
  throw new HubError(code, message, extra);
}
