// Every request looks its bearer token up: on SQLite that read cost 10 µs of the hub's one busy thread
// (a read transaction's locks and a cold page cache after each commit; sqlite-statements.ts), 6% of a pair.
// This keeps the clients found since the last commit, so a revocation or rotation counts at once.
import type { ClientRecord } from '../records.ts';

/** More entries than any deployment has tills means someone is looking up many tokens: start over. */
const cachedClientsMax = 10_000;

export class ClientsByTokenCache {
  private readonly clients = new Map<string, ClientRecord>();
  /** Counts clears: a read that began before a commit must not put what it saw after that commit. */
  private generation = 0;

  /**
   * The client for `tokenHash`, from the cache or `read` (the committed state). Only found clients are
   * kept: an unknown token is read again next time (a client created meanwhile is found at once, and
   * made-up tokens cannot fill the cache).
   */
  async find(
    tokenHash: Uint8Array,
    read: (tokenHash: Uint8Array) => Promise<ClientRecord | undefined>,
  ): Promise<ClientRecord | undefined> {
    const key = Buffer.from(tokenHash).toString('base64');
    const cached = this.clients.get(key);
    if (cached !== undefined) return cached;
    const readAt = this.generation;
    const found = await read(tokenHash);
    if (found !== undefined && readAt === this.generation) {
      if (this.clients.size >= cachedClientsMax) this.clients.clear();
      // Shared by every request with this token until the next commit: nobody may change it.
      Object.freeze(found.eventTypes);
      this.clients.set(key, Object.freeze(found));
    }
    return found;
  }

  /**
   * After every commit (and failed commit) of the hub's writer, before any other code runs: whatever the
   * batch changed about a client (revoked, token rotated) is read from the database again.
   */
  clear(): void {
    this.generation += 1;
    this.clients.clear();
  }
}
