// Every request's bearer-token lookup answered from memory on SQLite (profiled: 15 µs of a request's
// ~210 µs went to that one read, as each commit makes the reader reload its pages; bench:hub shows it).
// Safe because one process owns a SQLite database (one-hub-lock.ts), so every change to a client goes
// through this process's writer, and the cache is emptied as soon as a commit that changed one returns:
// it answers exactly what the reader connection would (the committed state). PostgreSQL, shared by
// several instances, still reads every time.
import type { ClientRecord } from '../records.ts';
import { clientTokenCacheMax } from '../../../shared/limits.ts';

export class ClientTokenCache {
  /** Clients by token hash (hex): only tokens found; an unknown one is read again each time. */
  private readonly byTokenHash = new Map<string, ClientRecord>();
  /** The writer's open transaction changed a client: empty the cache when it ends. */
  private changedInTransaction = false;

  /**
   * The client of `tokenHash`, from memory or else from `read` (the committed state, read at once:
   * nothing can commit between that read and its entry here, as both run in one synchronous step).
   */
  find(
    tokenHash: Uint8Array,
    read: (tokenHash: Uint8Array) => ClientRecord | undefined,
  ): ClientRecord | undefined {
    const key = Buffer.from(tokenHash.buffer, tokenHash.byteOffset, tokenHash.byteLength).toString(
      'hex',
    );
    const cached = this.byTokenHash.get(key);
    if (cached !== undefined) return cached;
    const client = read(tokenHash);
    if (client === undefined) return undefined;
    // Clients are few (one per till, station or admin); a bound keeps a flood of rotations harmless.
    if (this.byTokenHash.size >= clientTokenCacheMax) this.byTokenHash.clear();
    // One record answers many requests: frozen, so no caller can change what the next one sees.
    const shared = Object.freeze({
      ...client,
      eventTypes: Object.freeze([...client.eventTypes]) as string[],
    });
    this.byTokenHash.set(key, shared);
    return shared;
  }

  /** The writer inserted, revoked or re-keyed a client in its open transaction. */
  clientChanged(): void {
    this.changedInTransaction = true;
  }

  /**
   * The writer's transaction ended (committed or rolled back): after a change, what the cache holds
   * may no longer be the committed state, so it is emptied before anything else runs.
   */
  transactionEnded(): void {
    if (!this.changedInTransaction) return;
    this.byTokenHash.clear();
    this.changedInTransaction = false;
  }
}
