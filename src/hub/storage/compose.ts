// Joins an adapter's domain parts (ledger, access, identity, audit, idempotency) into the one object
// the port's StoreTx and readers describe, so callers keep calling `tx.getHold` whatever part serves it.
import { assert } from '../../shared/assert.ts';

/** The methods of `part` (its class's and its ancestors'), bound to it. */
function methodsOf(part: object): Map<string, (...args: unknown[]) => unknown> {
  const methods = new Map<string, (...args: unknown[]) => unknown>();
  for (
    let proto = Object.getPrototypeOf(part) as object | null;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || methods.has(name)) continue;
      const value = (part as Record<string, unknown>)[name];
      if (typeof value === 'function') {
        methods.set(name, (value as (...args: unknown[]) => unknown).bind(part));
      }
    }
  }
  return methods;
}

type Intersection<T extends object[]> = T extends [infer Head, ...infer Rest extends object[]]
  ? Head & Intersection<Rest>
  : unknown;

/**
 * One object with every public method of every part. A name served by two parts is a programming
 * error (two domains claiming one operation), refused at construction rather than shadowed.
 */
export function compose<T extends object[]>(...parts: T): Intersection<T> {
  const joined: Record<string, unknown> = {};
  const owner = new Map<string, number>();
  parts.forEach((part, index) => {
    for (const [name, method] of methodsOf(part)) {
      // Private methods are joined too (JavaScript cannot tell them apart): parts name them uniquely.
      const previous = owner.get(name);
      assert(previous === undefined, `method ${name} is served by parts ${previous} and ${index}`);
      owner.set(name, index);
      joined[name] = method;
    }
  });
  return joined as Intersection<T>;
}
