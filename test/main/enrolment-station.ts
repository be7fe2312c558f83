// An enrolment station for the kiosk service tests: an enrolment client with a registered kiosk identity
// that enrols synthetic faces through the kiosk's own HubLink (the hub cannot tell them from real ones).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  kioskPublicKeys,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import type { HubClient } from '../../src/shared/hub-client.ts';

/** `face` read again by the camera: cosine about 0.99 to it, well above the calibrated threshold. */
export function sameFaceAs(face: Float32Array): Float32Array {
  const v = face.map((x) => x * 14 + (Math.random() - 0.5) * 0.1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export interface TestPatron {
  name: string;
  born: string;
  /** A person account of the hub, assigned to the station before the enrolment. */
  account: string;
  faces: Float32Array[];
}

/**
 * Registers a station (its keys under `dir`) and enrols each of `people` with PIN `pin` and a passport
 * of a random number; throws on any refusal.
 */
export async function enrolAtStation(options: {
  admin: HubClient;
  hubUrl: string;
  dir: string;
  modelId: string;
  pin: string;
  people: TestPatron[];
}): Promise<void> {
  const { admin } = options;
  const station = await admin.createClient({ name: 'station', role: 'enrollment' });
  const keys = await loadKioskIdentity({
    dir: path.join(options.dir, 'station-keys'),
    create: true,
  });
  if (!keys.ok) throw new Error(keys.error.message);
  const kiosk = await admin.registerKiosk({
    name: 'station',
    clientId: station.id,
    ...kioskPublicKeys(keys.value),
  });
  const link = new HubLink({
    hubUrl: options.hubUrl,
    hubToken: station.token,
    kioskId: kiosk.id,
    identity: keys.value,
    now: Date.now,
  });
  try {
    for (const who of options.people) {
      await admin.assignEnrollmentClient(who.account, station.id);
      const enrolled = await link.enrol({
        person: {
          displayName: who.name,
          dateOfBirth: who.born,
          accountId: who.account,
          idDocument: {
            type: 'passport',
            numberHash: `doc-${randomBytes(8).toString('hex')}`,
            verifiedBy: 'officer',
          },
        },
        pin: options.pin,
        modelId: options.modelId,
        descriptors: who.faces,
      });
      if (!enrolled.ok) throw new Error(enrolled.error.message);
    }
  } finally {
    link.dispose();
  }
}
