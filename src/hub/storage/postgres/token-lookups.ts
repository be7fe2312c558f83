// The bearer-token lookup of every request on PostgreSQL, for the requests read from the sockets in one
// turn of the event loop together: one statement and one round trip for all of them, not one each.
import { assert } from '../../../shared/assert.ts';
import { tokenLookupBatchMax } from '../../../shared/limits.ts';
import type { ClientRecord } from '../records.ts';
import { clientFromRow, type ClientRow } from '../sqlite/rows.ts';
import { rows, type Queryable } from './queries.ts';

interface Lookup {
  hash: Buffer;
  resolve: (client: ClientRecord | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Not a cache: every lookup reads the committed clients table, in a statement sent after the request
 * arrived (at the end of the event loop's turn that read it), so a token revoked before then is refused
 * here and on every other instance, as with a statement per request.
 */
export class TokenLookups {
  private pending: Lookup[] = [];

  constructor(private readonly db: Queryable) {}

  find(tokenHash: Uint8Array): Promise<ClientRecord | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ hash: Buffer.from(tokenHash), resolve, reject });
      // The requests of this turn are parsed before the check phase: they all join this statement.
      if (this.pending.length === 1) setImmediate(() => void this.send());
    });
  }

  private async send(): Promise<void> {
    const lookups = this.pending.splice(0, tokenLookupBatchMax);
    if (this.pending.length > 0) setImmediate(() => void this.send());
    try {
      const found = await rows<ClientRow>(
        this.db,
        'clientsByTokens',
        'SELECT * FROM clients WHERE token_hash = ANY($1::bytea[])',
        [lookups.map((lookup) => lookup.hash)],
      );
      const byHash = new Map(found.map((row) => [row.token_hash.toString('hex'), row]));
      assert(byHash.size === found.length, 'token hashes are unique');
      for (const lookup of lookups) {
        const row = byHash.get(lookup.hash.toString('hex'));
        lookup.resolve(row === undefined ? undefined : clientFromRow(row));
      }
    } catch (error) {
      for (const lookup of lookups) lookup.reject(error);
    }
  }
}
