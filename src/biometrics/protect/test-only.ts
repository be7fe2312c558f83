// Guards the `dangerousTestOnly...` hooks: they expose secrets and must throw anywhere but under vitest.
// Isomorphic on purpose (no Node import): in a browser there is no process and the guard always throws.
import { assert } from '../../shared/assert.ts';

export function assertTestRun(hook: string): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  assert(env?.['VITEST'] !== undefined, `${hook} is for tests only`);
}
