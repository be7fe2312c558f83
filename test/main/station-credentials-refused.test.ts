// The enrolment station's own calls while a real hub refuses the station's credentials (its client's token
// rotated away, its kiosk registration revoked): each says so, with the hub's answer, instead of letting an
// enrolment start that cannot be sent, or calling the refusal "not answering" with a retry that cannot work.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { networkLosingFirstAnswer } from './kiosk-test-hub.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  deployStation,
  faces,
  finish,
  licence,
  signedInStation,
  upToPin,
  guardianConsents,
  upToGuardianConsent,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-credentials-');

/** A station of its own (its own client and kiosk: the test revokes them), `account` its to enrol on. */
async function ownStation(
  name: string,
  ...accounts: string[]
): Promise<EnrolmentStationDeployment> {
  const dir = path.join(fx.work, name);
  await mkdir(dir, { recursive: true });
  return deployStation(fx, { dir, name, accounts });
}

/** The signed-in station's service on `network`, and its hub link (the last one the fixture opened). */
async function stationWithLink(deployment: EnrolmentStationDeployment, network: typeof fetch) {
  const service = await signedInStation(fx, deployment, network);
  const opened = fx.links.at(-1);
  if (opened === undefined) throw new Error('no hub link opened');
  return { service, link: opened.link };
}

const unauthorized = { status: 401, code: 'unauthorized' };

describe('an enrolment station whose token the hub no longer accepts', () => {
  it('refuses to start an enrolment, with the hub’s answer, and begins none', async () => {
    const deployment = await ownStation('rotated', 'a-rotated');
    const { service, link } = await stationWithLink(deployment, fetch);
    await fx.admin.rotateClientToken(deployment.clientId);
    // The runtime's round finds the refusal while the officer works (the document step asks the hub nothing).
    expect(await watchHubRound(link, service)).toBe(false);
    expect(service.status().credentialsRefused).toEqual(unauthorized);

    const started = await service.handlers.enrolmentDocument({
      accountId: 'a-rotated',
      document: licence('Aoi Rotated'),
    });
    expect(started).toMatchObject({
      ok: false,
      error: {
        code: 'hub_refused',
        hubCode: 'unauthorized',
        hubStatus: 401,
        credentialsRefused: unauthorized,
      },
    });
    expect(service.status().station?.enrolment).toBeNull();
  });

  it('refuses an erasure at the desk as a refusal of the station, not of the person', async () => {
    const deployment = await ownStation('desk', 'a-desk');
    const { service } = await stationWithLink(deployment, fetch);
    const document = licence('Ren Desk');
    await upToPin(service.handlers, 'a-desk', document);
    expect(await finish(service.handlers)).toMatchObject({ ok: true });
    await fx.admin.rotateClientToken(deployment.clientId);
    // No round ran: the erasure's own 401 tells.
    expect(await service.handlers.personErase({ document })).toMatchObject({
      ok: false,
      error: { code: 'hub_refused', hubCode: 'unauthorized', credentialsRefused: unauthorized },
    });
  });

  it('says an enrolment whose answer was lost cannot be asked again while the hub refuses the station', async () => {
    const deployment = await ownStation('lost', 'a-lost');
    const network = networkLosingFirstAnswer('/v1/persons');
    const { service } = await stationWithLink(deployment, network);
    await upToPin(service.handlers, 'a-lost', licence('Mei Lost'));
    expect(await finish(service.handlers)).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    await fx.admin.rotateClientToken(deployment.clientId);
    // Its outcome is still unknown (the station keeps the request), but sending it again cannot help.
    expect(await finish(service.handlers)).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable', credentialsRefused: unauthorized },
    });
    expect(service.status().station?.enrolment?.step).toBe('pin');
  });
});

describe("a child's enrolment at a station whose token is rotated before the guardian consents", () => {
  it("ends it at the guardian with the hub's refusal of the station, not as a guardian to try again", async () => {
    const deployment = await ownStation('guardian', 'a-parent', 'a-child');
    const { service } = await stationWithLink(deployment, fetch);
    const { handlers } = service;
    const parent = await upToGuardianConsent(
      handlers,
      { accountId: 'a-parent', name: 'Kei Parent' },
      { accountId: 'a-child', name: 'Rin Child', born: '2017-06-07' },
    );
    await fx.admin.rotateClientToken(deployment.clientId);
    const consented = await guardianConsents(handlers, parent);
    expect(consented).toMatchObject({
      ok: false,
      error: { code: 'hub_refused', credentialsRefused: unauthorized },
    });
    expect(service.status().station?.enrolment?.step).toBe('refused');
  });
});

describe('an enrolment station whose kiosk registration is revoked during an enrolment', () => {
  it('ends the enrolment at the consent with the hub’s refusal of the station, and the status holds it', async () => {
    const deployment = await ownStation('revoked-kiosk', 'a-revoked-kiosk');
    const { service } = await stationWithLink(deployment, fetch);
    const handlers: KioskService['handlers'] = service.handlers;
    expect(
      await handlers.enrolmentDocument({
        accountId: 'a-revoked-kiosk',
        document: licence('Sho Revoked'),
      }),
    ).toMatchObject({ ok: true });
    await faces(handlers, syntheticFace());
    await fx.admin.revokeKiosk(deployment.config.kioskId);
    expect(await finish(handlers)).toMatchObject({
      ok: false,
      error: {
        code: 'hub_refused',
        hubCode: 'kiosk_revoked',
        credentialsRefused: { status: 403, code: 'kiosk_revoked' },
      },
    });
    expect(service.status().station?.enrolment?.step).toBe('refused');
    // The service holds the refusal from this call on (its hub event), not only from the next round.
    expect(service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 403, code: 'kiosk_revoked' },
    });
  });
});
