// Kiosk devices over HTTP (extension of API.md): the admin registers, reads and revokes kiosks; a
// registered kiosk reads its own registration, fetches the current transform key and sends its alerts
// (signed, fresh); the admin and the kiosk's own client read those alerts.
import { listLimitDefault } from '../../shared/limits.ts';
import { refuse } from '../errors.ts';
import type { HubContext } from '../http/context.ts';
import { decodeCursor, encodeCursor } from '../http/routes.ts';
import type { RouteHandlers } from '../http/table-routes.ts';
import type { IdentityService } from './identity.ts';
import { kioskAlertView, recordKioskAlert } from './kiosk-alerts.ts';
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

    reportKioskAlert: async ({ caller, params: { id }, body, write, ok }) =>
      write(async (tx) => {
        const kiosk = await verifier.verifyAlertRequest({ tx, caller, kioskId: id, request: body });
        const at = hub.clock.now();
        return ok(await recordKioskAlert({ tx, caller, kiosk, request: body, at }));
      }),

    // Not audited (a read). Another client's kiosk answers as one that does not exist, as getOwnKiosk does.
    listKioskAlerts: async ({ caller, params: { id }, query, ok }) => {
      const kiosk = await hub.store.reader.getKiosk(id);
      if (kiosk === undefined || (caller.role !== 'admin' && kiosk.clientId !== caller.id))
        refuse('not_found', `kiosk ${id} not found`);
      const limit = query.limit ?? listLimitDefault;
      const rows = await hub.store.reader.listKioskAlerts(
        id,
        decodeCursor(query.cursor),
        limit + 1,
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return ok({
        items: page.map(kioskAlertView),
        nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.seq) : null,
      });
    },
  } satisfies Partial<RouteHandlers>;
}
