// Extension of API.md "Clients and roles": the admin reads a client, revokes it, or rotates its token.
// Both take effect at the next request (authenticate reads the database, no cache) and are audited.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idLengthMax } from '../../shared/limits.ts';
import { refuse } from '../errors.ts';
import type { StoreReader } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { HubContext } from './context.ts';
import { send } from './context.ts';
import { hashToken, newToken } from './tokens.ts';
import { clientView } from './views.ts';

const clientParams = z.strictObject({ id: z.string().min(1).max(idLengthMax) });

async function existingClient(reader: StoreReader, id: string): Promise<ClientRecord> {
  const client = await reader.getClient(id);
  if (client === undefined) refuse('not_found', `client ${id} not found`);
  return client;
}

export function registerClientAdminRoutes(app: FastifyInstance, hub: HubContext): void {
  app.get('/v1/clients/:id', async (request, reply) => {
    await hub.authenticate(request, ['admin']);
    const { id } = hub.parse(clientParams, request.params, 'path');
    return reply.send(clientView(await existingClient(hub.store.reader, id)));
  });

  // Revoking twice is no error and no second audit row: the client is revoked either way.
  app.delete('/v1/clients/:id', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const { id } = hub.parse(clientParams, request.params, 'path');
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
    return reply.code(204).send();
  });

  // Not idempotent on purpose: a stored answer would keep the new token in the database.
  app.post('/v1/clients/:id/rotate-token', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const { id } = hub.parse(clientParams, request.params, 'path');
    hub.parse(z.strictObject({}), request.body ?? {});
    const token = newToken();
    const result = await hub.write(async (tx) => {
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
      return { status: 200, body: { ...clientView({ ...client, tokenHash }), token } };
    });
    return send(reply, result);
  });
}
