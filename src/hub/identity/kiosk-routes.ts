// Kiosk devices over HTTP (extension of API.md): the admin registers, reads and revokes kiosks; a
// registered kiosk fetches the current transform key sealed to itself with a signed, fresh request.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../shared/hub-api.ts';
import { idLengthMax } from '../../shared/limits.ts';
import { refuse } from '../errors.ts';
import type { HubContext } from '../http/context.ts';
import { send } from '../http/context.ts';
import type { IdentityService } from './identity.ts';
import { KioskRequestVerifier } from './kiosk-auth.ts';
import { kioskView, registerKiosk, revokeKiosk } from './kiosks.ts';

const kioskParams = z.strictObject({ id: z.string().min(1).max(idLengthMax) });

export function registerKioskRoutes(
  app: FastifyInstance,
  hub: HubContext,
  identity: IdentityService | undefined,
): void {
  const verifier = new KioskRequestVerifier(hub.clock);

  app.post('/v1/admin/kiosks', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const body = hub.parse(api.registerKioskRequest, request.body);
    const result = await hub.write(async (tx) => {
      const kiosk = await registerKiosk({ tx, caller, request: body, at: hub.clock.now() });
      return { status: 201, body: kioskView(kiosk) };
    });
    return send(reply, result);
  });

  app.get('/v1/admin/kiosks/:id', async (request, reply) => {
    await hub.authenticate(request, ['admin']);
    const { id } = hub.parse(kioskParams, request.params, 'path');
    const kiosk = await hub.store.reader.getKiosk(id);
    if (kiosk === undefined) refuse('not_found', `kiosk ${id} not found`);
    return reply.send(kioskView(kiosk));
  });

  app.delete('/v1/admin/kiosks/:id', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const { id } = hub.parse(kioskParams, request.params, 'path');
    await hub.store.write((tx) => revokeKiosk({ tx, caller, kioskId: id, at: hub.clock.now() }));
    return reply.code(204).send();
  });

  app.post('/v1/kiosks/:id/transform-key', async (request, reply) => {
    const caller = await hub.authenticate(request, ['merchant', 'enrollment']);
    const { id } = hub.parse(kioskParams, request.params, 'path');
    const body = hub.parse(api.provisionTransformKeyRequest, request.body);
    if (identity === undefined)
      refuse('unavailable', 'identity is not configured on this hub (no calibration)');
    const result = await hub.write(async (tx) => {
      const kiosk = await verifier.verifyProvisionRequest({
        tx,
        caller,
        kioskId: id,
        request: body,
      });
      return { status: 200, body: await identity.provisionTransformKey(tx, caller, kiosk) };
    });
    return send(reply, result);
  });
}
