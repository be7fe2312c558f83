// Assertions for programmer errors: an impossible state crashes loudly instead of moving money wrongly.
// Operating errors (insufficient funds, bad input) are result codes, never assertions.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`);
}
