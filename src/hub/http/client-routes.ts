// Extension of API.md "Clients and roles": the admin reads a client, revokes it, or rotates its token.
// Both take effect at the next request (authenticate reads the database, no cache) and are audited.
import { refuse } from '../errors.ts';
import type { StoreReader } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { HubContext } from './context.ts';
import type { RouteHandlers } from './table-routes.ts';
import { hashToken, newToken } from './tokens.ts';
import { clientView } from './views.ts';

async function existingClient(reader: StoreReader, id: string): Promise<ClientRecord> {
  const client = await reader.getClient(id);
  if (client === undefined) refuse('not_found', `client ${id} not found`);
  return client;
}

export function clientAdminHandlers(hub: HubContext) {
  return {
    getClient: async ({ params: { id }, ok }) =>
      ok(clientView(await existingClient(hub.store.reader, id))),

    // The caller as authenticated (its record read with its token): a rotated token reads the same id.
    getOwnClient: async ({ caller, ok }) => ok(clientView(caller)),

    // Revoking twice is no error and no second audit row: the client is revoked either way.
    revokeClient: async ({ caller, params: { id }, ok }) => {
      if (id === caller.id)
        refuse('invalid_request', 'an admin cannot revoke its own token; use another admin client');
      await hub.store.write(async (tx) => {
        const client = await existingClient(tx, id);
        if (client.revokedAt !== null) return;
        const at = hub.clock.now();
        await tx.revokeClient(id, at, caller.id);
        await tx.appendAudit({
          at,
          kind: 'client.revoked',
          subject: id,
          actor: caller.id,
          data: { role: client.role },
        });
      });
      return ok(undefined);
    },

    // Not idempotent on purpose: a stored answer would keep the new token in the database.
    rotateClientToken: async ({ caller, params: { id }, write, ok }) => {
      const token = newToken();
      return write(async (tx) => {
        const client = await existingClient(tx, id);
        if (client.revokedAt !== null) refuse('client_revoked', `client ${id} was revoked`);
        const tokenHash = hashToken(token);
        await tx.replaceClientToken(id, tokenHash);
        await tx.appendAudit({
          at: hub.clock.now(),
          kind: 'client.token_rotated',
          subject: id,
          actor: caller.id,
          data: {},
        });
        return ok({ ...clientView({ ...client, tokenHash }), token });
      });
    },
  } satisfies Partial<RouteHandlers>;
}
