// Kiosk devices over HTTP (extension of API.md): the admin registers, reads and revokes kiosks; a
// registered kiosk reads its own registration and fetches the current transform key (signed, fresh).
import { refuse } from '../errors.ts';
import type { HubContext } from '../http/context.ts';
import type { RouteHandlers } from '../http/table-routes.ts';
import type { IdentityService } from './identity.ts';
import { KioskRequestVerifier } from './kiosk-auth.ts';
import { kioskView, registerKiosk, revokeKiosk } from './kiosks.ts';

export function kioskHandlers(hub: HubContext, identity: IdentityService | undefined) {
  const verifier = new KioskRequestVerifier(hub.clock);
  return {
    registerKiosk: async ({ caller, body, write, ok }) =>
      write(async (tx) => {
        const kiosk = await registerKiosk({ tx, caller, request: body, at: hub.clock.now() });
        return ok(kioskView(kiosk));
      }),

    getKiosk: async ({ params: { id }, ok }) => {
      const kiosk = await hub.store.reader.getKiosk(id);
      if (kiosk === undefined) refuse('not_found', `kiosk ${id} not found`);
      return ok(kioskView(kiosk));
    },

    // Not audited: a read of the caller's own registration, asked by an idle kiosk about once a minute.
    // Another client's kiosk answers as one that does not exist: no client learns which ids are taken.
    getOwnKiosk: async ({ caller, params: { id }, ok }) => {
      const kiosk = await hub.store.reader.getKiosk(id);
      if (kiosk?.clientId !== caller.id) refuse('not_found', `kiosk ${id} not found`);
      return ok(kioskView(kiosk));
    },

    revokeKiosk: async ({ caller, params: { id }, ok }) => {
      await hub.store.write((tx) => revokeKiosk({ tx, caller, kioskId: id, at: hub.clock.now() }));
      return ok(undefined);
    },

    provisionTransformKey: async ({ caller, params: { id }, body, write, ok }) => {
      if (identity === undefined)
        refuse('unavailable', 'identity is not configured on this hub (no calibration)');
      return write(async (tx) => {
        const kiosk = await verifier.verifyProvisionRequest({
          tx,
          caller,
          kioskId: id,
          request: body,
        });
        return ok(await identity.provisionTransformKey(tx, caller, kiosk));
      });
    },
  } satisfies Partial<RouteHandlers>;
}
