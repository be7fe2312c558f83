// Starts the kiosk service for any shell (Electron's main process or the web shell): loads the device
// keys, connects to the hub (transform key), watches the hub's health, expires idle payments, in
// clinic mode follows the waiting visits' holds, and in enrolment mode locks an idle station and resolves
// the unanswered enrolment requests nobody works on (from its first tick, at start).
import path from 'node:path';
import {
  disposeKioskIdentity,
  loadKioskIdentity,
  type KioskIdentity,
} from '../biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../biometrics/protect/sodium.ts';
import type { KioskEvent, KioskHandlers } from '../shared/kiosk-api.ts';
import { clinicVisitPollMs, credentialsCheckedEveryRounds } from '../shared/limits.ts';
import { reportBackgroundFailure, startTicking, type Ticking } from './background-ticks.ts';
import { loadPhotoVsLiveGate } from './photo-vs-live-gate.ts';
import { StationLog } from './station-log.ts';
import { HubLink, type HubLinkOptions } from './hub-link.ts';
import type { KioskConfig } from './kiosk-config.ts';
import { KioskService } from './kiosk-service.ts';
import { claimKeysFolder, type KeysFolderClaim } from './one-kiosk-lock.ts';
import { closeStateFolders } from './state-file.ts';

export interface KioskRuntime {
  readonly config: KioskConfig;
  readonly handlers: KioskHandlers;
  readonly service: KioskService;
  subscribe(listener: (event: KioskEvent) => void): () => void;
  close(): Promise<void>;
}

/** How often the hub's health is asked when it was unreachable, and when it was fine. */
const healthEveryMs = { unreachable: 2_000, reachable: 10_000 };

/**
 * How long close waits for a background round in flight: a hub call's own timeout (HubLink's 10 s) and a
 * margin; a round stuck past it (a hub that stalls call after call) does not hold the process's exit.
 */
const roundFinishesOnCloseMsMax = 15_000;

/** True once `work` settled (fulfilled or not) within `ms`; false when the time ran out first. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The kiosk's link to its hub from its config: its device keys (made on first start; the caller
 * disposes them after the link) and its client token. Tests pass a clock or a network of their own.
 */
export async function openHubLink(
  config: KioskConfig,
  overrides: Partial<Pick<HubLinkOptions, 'now' | 'elapsed' | 'fetch' | 'hubUrl'>> = {},
): Promise<{ link: HubLink; identity: KioskIdentity }> {
  const identity = await loadKioskIdentity({ dir: config.keysDir, create: true });
  if (!identity.ok) throw new Error(`kiosk keys in ${config.keysDir}: ${identity.error.message}`);
  const link = new HubLink({
    hubUrl: config.hubUrl,
    hubToken: config.hubToken,
    kioskId: config.kioskId,
    identity: identity.value,
    now: Date.now,
    ...overrides,
  });
  return { link, identity: identity.value };
}

/**
 * The hub's part of a background round: its health, the link's transform key (connected if not yet),
 * which hub client this kiosk is (asked until known, or until the hub is found to lack the route:
 * HubLink.learnOwnClient), every few rounds whether it still accepts this kiosk's token
 * (HubLink.checkCredentialsEvery), and reconcile. Answers whether the hub is ready for faces and payments; when it
 * is not, the kiosk's status tells a hub out of reach from one that refuses this kiosk's credentials, and
 * the next round asks again either way (a hub back, or whose admin restored the kiosk, is ready again).
 */
export async function watchHubRound(hub: HubLink, service: KioskService): Promise<boolean> {
  if (!(await connectedIfAnswering(hub, service))) return false;
  // Recorded with each hold request it sends (PendingHold.sentByClient), so reconcile tells a rotated token.
  await hub.learnOwnClient();
  // The health route asks for no credentials: without this an idle kiosk would learn of a revoked token only
  // from its next payment's refusal (or reconcile's, when payments were lost).
  await hub.checkCredentialsEvery(credentialsCheckedEveryRounds);
  await service.reconcile();
  // Alerts that could not go when made (the hub was out of reach, or the kiosk restarted before).
  await service.deliverAlerts();
  if (hub.ready) return true;
  // Reconcile's calls were refused this kiosk's credentials (a token revoked while the kiosk ran): connect
  // says now whether the hub refuses the kiosk, instead of the status saying 'reachable' for another round.
  return connectedIfAnswering(hub, service);
}

/** The hub's health, then connect unless ready; the service's hub state from what the hub answered. */
async function connectedIfAnswering(hub: HubLink, service: KioskService): Promise<boolean> {
  // No answer, a 5xx or a 429 from the health route: out of reach, whatever the hub said before.
  if (!(await hub.healthy())) {
    service.setHubState('unreachable');
    return false;
  }
  // A kiosk that could not fetch its transform key is not ready to take faces.
  if (hub.ready || (await hub.connect()).ok) {
    // Reachable, unless the clinic board's reads keep meeting the hub's own 5xx (its database down).
    service.hubHealthAnswered();
    return true;
  }
  service.setHubState('unreachable', hub.credentialsRefused);
  return false;
}

export async function startKioskRuntime(options: {
  config: KioskConfig;
  onOperatorExit?: () => void;
  /** The face model the renderer's engine runs (from models/thresholds.json), for the status screen. */
  modelId?: string | null;
  /** Enrolment mode: the photo-vs-live calibration (default models/photo-vs-live.json). */
  photoVsLiveFile?: string;
}): Promise<KioskRuntime> {
  await sodium.ready;
  const { config } = options;
  const station =
    config.enrolment === undefined
      ? undefined
      : {
          log: new StationLog(config.enrolment.logFile),
          photoVsLive: await loadPhotoVsLiveGate(options.photoVsLiveFile),
          signInLockFile: path.join(config.keysDir, 'officer-lock.json'),
        };
  const { link: hub, identity } = await openHubLink(config);
  let claim: KeysFolderClaim | undefined;
  try {
    // Before any state file is read: a second kiosk on this folder would overwrite the first one's.
    claim = await claimKeysFolder(config.keysDir);
    return await startClaimed({ ...options, config, station, hub, identity, claim });
  } catch (error) {
    hub.dispose();
    disposeKioskIdentity(identity);
    await claim?.release();
    throw error;
  }
}

/** startKioskRuntime's part once the keys folder is this process's. */
async function startClaimed(options: {
  config: KioskConfig;
  onOperatorExit?: () => void;
  modelId?: string | null;
  station: ConstructorParameters<typeof KioskService>[0]['station'];
  hub: HubLink;
  identity: KioskIdentity;
  claim: KeysFolderClaim;
}): Promise<KioskRuntime> {
  const { config, station, hub, identity, claim } = options;
  const service = new KioskService({
    config,
    hub,
    modelId: options.modelId ?? null,
    // With the device keys: the kiosk's own folder, 0700, read by nobody else.
    pendingHoldsFile: path.join(config.keysDir, 'pending-holds.json'),
    // And the till's payment requests: a restart must not forget a paid one, nor open a second under its key.
    tillRequestsFile: path.join(config.keysDir, 'till-requests.json'),
    // The PIN locks there too: a restart (a power cycle) must not give anyone new guesses.
    operatorLockFile: path.join(config.keysDir, 'operator-lock.json'),
    // And the face-check pause: a power cycle must not give a replayed recording fresh draws.
    faceCheckPauseFile: path.join(config.keysDir, 'face-check-pause.json'),
    // And the hub's alerts of that pause: written before they are sent, kept until the hub has them.
    kioskAlertsFile: path.join(config.keysDir, 'kiosk-alerts.json'),
    ...(options.onOperatorExit === undefined ? {} : { onOperatorExit: options.onOperatorExit }),
    ...(station === undefined ? {} : { station }),
  });
  // Each round: the hub's health (and transform key), reconcile, idle payments and station locks.
  const watching = await startTicking({
    round: async () => {
      const ready = await watchHubRound(hub, service);
      service.expireIdle();
      await service.lockIdleStation();
      return healthEveryMs[ready ? 'reachable' : 'unreachable'];
    },
    retryMs: healthEveryMs.unreachable,
    onError: (error) => reportBackgroundFailure('the background check', error),
  });
  // The clinic's system tells the hub, not the kiosk: the board learns a visit's outcome by reading its hold.
  let following: Ticking | null = null;
  try {
    if (config.mode === 'clinic') {
      following = await startTicking({
        round: async () => {
          await service.refreshVisits();
          return clinicVisitPollMs;
        },
        retryMs: clinicVisitPollMs,
        onError: (error) => reportBackgroundFailure("reading the clinic's visits", error),
      });
    }
  } catch (error) {
    await watching.stop();
    throw error;
  }
  return {
    config,
    handlers: service.handlers,
    service,
    subscribe: (listener) => service.subscribe(listener),
    close: async () => {
      // A round or an alert's send in flight finishes first (bounded): one signed after the key below is
      // zeroed would be refused, and none may write the keys folder's state files once its claim is gone.
      // From here no hub call starts (HubLink.beginClosing): a round against a stalling hub ends after the
      // call in flight (10 s at most), not after a 10 s timeout for each of its calls.
      hub.beginClosing();
      const finishing = Promise.all([
        watching.stop(),
        following?.stop(),
        service.stopDeliveringAlerts(),
      ]);
      if (!(await settledWithin(finishing, roundFinishesOnCloseMsMax))) {
        console.error(
          `kiosk: a background round still runs ${roundFinishesOnCloseMsMax} ms after close; closing anyway`,
        );
        // That round may still write pending holds, alerts...: refused from here (another kiosk process may
        // own the folder once the claim below is released). Only then: a runtime sharing the folder's claim
        // in this process (tests) keeps writing after a close that finished in time.
        closeStateFolders([config.keysDir]);
      }
      hub.dispose();
      disposeKioskIdentity(identity);
      await claim.release();
    },
  };
}
