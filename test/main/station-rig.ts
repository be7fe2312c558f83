// A station test file's hub, written once: started before the file's tests and closed after them, with the
// stations deployed in folders of their own, instead of the same beforeAll/afterAll and deploy in each file.
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../src/hub/clock.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import type { StationHub } from './station-fixture.ts';
import {
  closeStationHub,
  deployStation,
  signedInStationOnHubClock,
  startStationHub,
} from './station-fixture.ts';

/** A file's StationHub (its fields there once the file's beforeAll has run) and its stations. */
export interface StationRig extends StationHub {
  /** The station deployed at the start in the hub's folder, when `stationHubForFile` was given one. */
  station: EnrolmentStationDeployment;
  /** A station named `name` in a folder of its own (its own pending-persons.json and log) enrolling on `accounts`. */
  ownStation(
    name: string,
    accounts?: string[],
    folder?: string,
  ): Promise<EnrolmentStationDeployment>;
}

/**
 * Registers the file's beforeAll (startStationHub under `prefix`, on `clock` when one is given, then `station`
 * deployed in the hub's folder when one is given) and afterAll (closeStationHub); answers the rig they fill.
 */
export function stationHubForFile(
  prefix: string,
  options: {
    clock?: Clock;
    station?: { name: string; accounts: string[]; officers?: { id: string; pin: string }[] };
  } = {},
): StationRig {
  const ownStation = (name: string, accounts: string[] = [], folder = name) =>
    deployStation(rig, { dir: path.join(rig.work, folder), name, accounts });
  const rig = { ownStation } as StationRig;
  beforeAll(async () => {
    Object.assign(rig, await startStationHub(prefix, options.clock));
    if (options.station !== undefined) {
      rig.station = await deployStation(rig, { dir: rig.work, ...options.station });
    }
  }, 60_000);
  afterAll(() => closeStationHub('hub' in rig ? rig : undefined));
  return rig;
}

/**
 * `stationHubForFile` on one clock for the hub and every station (their services and hub links): `now`, the
 * system's time moved on by `time.shiftMs`; `stationOn` is a service of a deployment on it, signed in.
 */
export function stationHubOnSharedClock(prefix: string) {
  const time = { shiftMs: 0 };
  const now = () => Date.now() + time.shiftMs;
  const fx = stationHubForFile(prefix, { clock: { now } });
  const stationOn = (deployment: EnrolmentStationDeployment, network: typeof fetch) =>
    signedInStationOnHubClock(fx, deployment, network, now);
  return { fx, time, now, stationOn };
}
