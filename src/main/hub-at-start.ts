// What a kiosk that just started tells its operator's log of its hub: refused (revoked, unknown, a token
// rotated away) or out of reach, with what to do, instead of the first shopper finding out at the till.
import type { KioskStatus } from '../shared/kiosk-api.ts';
import type { KioskConfig } from './kiosk-config.ts';
import { hubUrlForLog } from '../shared/hub-url.ts';

/**
 * The line for the log after the runtime's first round (startKioskRuntime awaits it), or null when the
 * hub is ready. The kiosk runs on either way: its rounds keep asking, and take payments again once the
 * hub answers and accepts it (the screen says the same meanwhile).
 */
export function hubAtStartWords(
  config: Pick<KioskConfig, 'hubUrl' | 'kioskId'>,
  status: Pick<KioskStatus, 'hub' | 'credentialsRefused'>,
): string | null {
  if (status.hub === 'reachable') return null;
  const hub = `the hub at ${hubUrlForLog(config.hubUrl)}`;
  const kiosk = `kiosk ${config.kioskId}`;
  const meanwhile = 'it takes no faces or payments until then';
  const refused = status.credentialsRefused;
  if (refused === null) {
    return `${hub} cannot be reached (or is not ready): the kiosk keeps asking, and ${meanwhile}`;
  }
  const answer = `${refused.status} ${refused.code}`;
  if (refused.status === 401) {
    return (
      `${hub} refuses the kiosk's hubToken (${answer}): its client's token was rotated or the client ` +
      `revoked; put the client's current token (hub:admin rotate-client-token) in the kiosk config's hubToken; ${meanwhile}`
    );
  }
  if (refused.code === 'kiosk_revoked') {
    return (
      `${hub} has revoked ${kiosk} (${answer}): register the kiosk again (hub:admin register-kiosk) and ` +
      `put the new id in the kiosk config's kioskId; ${meanwhile}`
    );
  }
  if (refused.status === 404) {
    return (
      `${hub} knows no ${kiosk} (${answer}; a hub set up anew?): register the kiosk's keys there ` +
      `(hub:admin register-kiosk) and put the new id in the kiosk config's kioskId; ${meanwhile}`
    );
  }
  return (
    `${hub} refuses ${kiosk} (${answer}): it is registered to another client than hubToken's, or with ` +
    `other keys than its keys folder's; register it again (hub:admin register-kiosk); ${meanwhile}`
  );
}
