// The hub's identity module: enrolment, 1:N identification, PIN verification and payment
// authorizations. Plain templates and keys exist only here; templates are sealed at rest.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashToken } from '../http/tokens.ts';
import { assert } from '../../shared/assert.ts';
import {
  guardianConsentLifetimeMs,
  identificationMemoryMs,
  identifyCandidatesK,
  memberNumberDrawsMax,
  paymentAuthorizationLifetimeMs,
  pinAttemptsMax,
  pinDigitsMax,
  pinDigitsMin,
  pinFailuresPerDayPerClientMax,
  pinFailureWindowMs,
  pinUnlocksPerDayPerPerson,
  pinUnlockWindowMs,
  pgListenReconnectMs,
  templatesPerPersonMax,
  unknownMemberNumbersRememberedMax,
} from '../../shared/limits.ts';
import type { Yen } from '../../shared/money.ts';
import type {
  CreatePersonRequest,
  GuardianConsentRequest,
  GuardianConsentView,
  IdentifyRequest,
} from '../../shared/hub-api.ts';
import { Gallery } from '../../biometrics/match/gallery.ts';
import { openPin, openProbe } from '../../biometrics/protect/probe-seal.ts';
import type { HubKeys } from '../../biometrics/protect/key-files.node.ts';
import { openTemplate, sealTemplate } from '../../biometrics/protect/template-seal.ts';
import { checkPinPolicy } from '../../biometrics/protect/pin.ts';
import {
  PinQueueFullError,
  PinWorkerFailedError,
  PinWorkerPool,
} from '../../biometrics/protect/pin-pool.node.ts';
import { transformKeyId } from '../../biometrics/protect/cancelable-transform.ts';
import { sealTransformKey } from '../../biometrics/protect/transform-key-provision.ts';
import { sodium } from '../../biometrics/protect/sodium.ts';
import { assertTestRun } from '../../biometrics/protect/test-only.ts';
import type { EnvelopeErrorCode } from '../../biometrics/protect/probe-seal.ts';
import {
  guardianClearedAuditKind,
  guardianConsentRevokedAuditKind,
  personErasedAuditKind,
  rekeyedAuditKind,
  templatesAddedAuditKind,
  type HubStore,
  type StoreReader,
  type IdentityReader,
  type StoreTx,
  type TemplateChange,
} from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type {
  AuthorizationPurpose,
  GuardianConsentRecord,
  PaymentAuthorizationRecord,
  TemplateRecord,
  PersonRecord,
  StandingLimitTerms,
} from '../storage/identity-records.ts';
import type { KioskRecord } from '../storage/kiosk-records.ts';
import type { Clock } from '../clock.ts';
import { refuse } from '../errors.ts';
import { fromBase64 } from './base64.ts';
import { newId, newMemberNumber } from '../ids.ts';
import type { AgeVerifier, PaymentAuthorizations } from '../ledger/ledger.ts';
import { revokeStandingLimitsOfErased, type StandingConsentTerms } from '../ledger/consent.ts';
import { faceAloneSuffices, type IdentityCalibration } from './calibration.ts';
import { rekeyTemplates } from './rekey.ts';
import { idDocumentMatches, requireAccountEnroller, requirePersonOwner } from './ownership.ts';
import { requireGuardianAttestation, requireKioskAttestation } from './kiosk-auth.ts';
import { tightenedAccountRules } from './guardian.ts';
import { spendNonce, spendNonceNow } from './replay-nonces.ts';
import { ageYears, isChild, maskDisplayName } from './people.ts';
import { categoryMinimumAgeYears } from '../../shared/categories.ts';

/**
 * A re-key's end: the templates moved, or its failure and whether anything of it may be stored: 'no'
 * when the job itself failed before its commit was sent, 'unknown' when the commit (or the batch) failed
 * and the server may have committed it.
 */
export type RekeyOutcome =
  { ok: true; templates: number } | { ok: false; error: unknown; stored: 'no' | 'unknown' };

export interface IdentityFollowOptions {
  subscribe: (listener: (change: TemplateChange) => void) => () => void;
  reader: IdentityReader;
  /** The transform key in this instance's keys/ now (another instance may have re-keyed it). */
  readTransformKey: () => Promise<Uint8Array | undefined>;
  /**
   * The key in this instance's keys/ transform.key.next, if any: another instance sharing keys/ renames
   * it to transform.key only after its re-key's commit, which this instance may hear first.
   */
  readNextTransformKey: () => Promise<Uint8Array | undefined>;
}

/** A wrong-PIN cap an operator may set: a whole number from 1 to the default, which is also the most. */
export function isPinFailureCap(cap: number): boolean {
  return Number.isSafeInteger(cap) && cap >= 1 && cap <= pinFailuresPerDayPerClientMax;
}

export interface IdentityOptions {
  /** Amounts at or above this always need the PIN as well as the face. */
  stepUpAmount: number;
  /** Wrong PINs one client may send in 24 hours before its PIN checks are refused: 1 to
   * pinFailuresPerDayPerClientMax (the default; an operator may only lower it). */
  pinFailuresPerDayPerClient: number;
  /** Demo data and tests only: identify without a kiosk attestation takes the liveness as sent. */
  allowUnattested: boolean;
  /** The most templates the gallery holds (default and most: galleryTemplatesMax); tests use a few. */
  galleryTemplatesMax?: number;
  /**
   * Tests only: the PIN worker pool's back-off clock (monotonic ms; performance.now() without it), so a
   * test moves past a back-off without sleeping. Never the hub's wall clock: that may step back.
   */
  dangerousTestOnlyPinBackoffNow?: () => number;
}

/** What a member number + PIN came to, for the route to answer (the PIN fallback, extension). */
export type PinOnlyOutcome =
  | { kind: 'locked' }
  | { kind: 'incorrect'; attemptsLeft: number }
  | { kind: 'face_required' }
  | {
      kind: 'authorized';
      authorization: string;
      authorizationExpiresAt: string;
      payer: string;
      personId: string;
      displayNameMasked: string;
    };

function envelopeRefusal(code: EnvelopeErrorCode, message: string): never {
  refuse(code === 'probe_rate_limited' ? 'rate_limited' : code, message);
}

/**
 * The gallery in use and the audit seq through which other instances' template changes are in it
 * (catchUp reads the changes after it). A reload builds a new one and swaps both in one step.
 */
interface GalleryState {
  readonly gallery: Gallery;
  throughSeq: number;
}

export class IdentityService implements PaymentAuthorizations, AgeVerifier {
  private galleryState: GalleryState;
  private readonly pins: PinWorkerPool;
  private keyId: string;
  private transformKey: Uint8Array;

  private constructor(
    private readonly keys: HubKeys,
    readonly calibration: IdentityCalibration,
    private readonly clock: Clock,
    private readonly options: IdentityOptions,
    /** Spends PIN envelopes' nonces before Argon2id, outside the request's transaction. */
    private readonly writer: Pick<HubStore, 'write'>,
  ) {
    assert(
      isPinFailureCap(options.pinFailuresPerDayPerClient),
      `the wrong-PIN cap is 1 to ${pinFailuresPerDayPerClientMax}`,
    );
    const now = options.dangerousTestOnlyPinBackoffNow;
    if (now !== undefined) assertTestRun('dangerousTestOnlyPinBackoffNow');
    this.pins = new PinWorkerPool(now === undefined ? {} : { now });
    this.galleryState = { gallery: this.newGallery(), throughSeq: 0 };
    this.transformKey = keys.transformKey;
    this.keyId = transformKeyId(keys.transformKey);
  }

  /** Opens every stored template of the calibrated model into the in-memory gallery. */
  static async open(options: {
    reader: StoreReader & IdentityReader;
    writer: Pick<HubStore, 'write'>;
    keys: HubKeys;
    calibration: IdentityCalibration;
    clock: Clock;
    identity: IdentityOptions;
    /** Where the hub shares its database with other instances: their template changes. */
    follow?: IdentityFollowOptions;
  }): Promise<IdentityService> {
    await sodium.ready;
    const service = new IdentityService(
      options.keys,
      options.calibration,
      options.clock,
      options.identity,
      options.writer,
    );
    try {
      await service.loadGallery(options.reader);
    } catch (error) {
      await service.close();
      throw error;
    }
    if (options.follow !== undefined) service.follow(options.follow);
    return service;
  }

  private unfollow: (() => void) | undefined;
  /** Changes heard from other instances, applied one after another in the order they committed. */
  private following: Promise<void> = Promise.resolve();
  /** Set when another instance re-keyed to a key this one cannot read: identify refuses until restart. */
  private staleTransformKeyId: string | undefined;

  /**
   * Keeps the gallery equal to the templates table when other hub instances enrol, erase or re-key.
   * A change is applied once its transaction has committed (NOTIFY is delivered at COMMIT).
   */
  private follow(follow: NonNullable<IdentityFollowOptions>): void {
    this.unfollow = follow.subscribe((change) => this.queueChange(change, follow));
  }

  /** A resync queued after a re-key notice or a resync failed (one at a time); undefined when none. */
  private resyncTimer: NodeJS.Timeout | undefined;

  private queueChange(change: TemplateChange, follow: IdentityFollowOptions): void {
    this.following = this.following
      .then(() => this.applyChange(change, follow))
      .catch((error: unknown) => {
        process.stderr.write(`identity: gallery update failed: ${(error as Error).message}\n`);
        // A re-key not taken (the store's key id, or the gallery under the key, not read) would leave
        // this instance on the old key, identify and enrolment refused, until another re-key or a
        // restart: a resync is tried again after a while, and again while it fails.
        if (change.kind === 'rekeyed' || change.kind === 'resync') this.resyncLater(follow);
      });
  }

  private resyncLater(follow: IdentityFollowOptions): void {
    if (this.resyncTimer !== undefined || this.unfollow === undefined) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      if (this.unfollow !== undefined) this.queueChange({ kind: 'resync' }, follow);
    }, pgListenReconnectMs);
    this.resyncTimer.unref();
  }

  private async applyChange(change: TemplateChange, follow: IdentityFollowOptions): Promise<void> {
    if (change.kind === 'removed') {
      for (const id of change.templateIds) this.gallery.remove(id);
    } else if (change.kind === 'added') {
      for (const id of change.templateIds) {
        if (this.gallery.has(id)) continue;
        const row = await follow.reader.getTemplate(id);
        // Gone already (erased right after), or of another model: nothing to add.
        if (row === undefined || row.modelId !== this.calibration.modelId) continue;
        const added = this.addStoredTemplate(this.gallery, row, this.keyId);
        assert(added, 'the gallery holds every stored template');
      }
    } else if (change.kind === 'rekeyed') {
      // This instance's key already (its own re-key's notice, or a key a resync followed): no read.
      if (change.transformKeyId === this.keyId) return;
      // Only the key the store names now: a notice heard late (this instance's own earlier re-key, queued
      // while a later re-key waited for its outcome) names a key the rows are no longer under, and
      // following it would move back to that key's file (or refuse identify, once the file is renamed).
      // The notice of the re-key that replaced it comes after it.
      if ((await follow.reader.latestRekeyedKeyId()) !== change.transformKeyId) return;
      await this.followRekey(change.transformKeyId, follow);
    } else {
      // A resynchronisation after the feed was lost: a re-key committed meanwhile was never heard.
      const storedKeyId = await follow.reader.latestRekeyedKeyId();
      if (storedKeyId !== undefined && storedKeyId !== this.keyId) {
        await this.followRekey(storedKeyId, follow);
      } else {
        await this.loadGallery(follow.reader);
      }
    }
  }

  /** Takes another instance's re-key from this instance's keys/, or refuses identity until restart. */
  private async followRekey(keyId: string, follow: IdentityFollowOptions): Promise<void> {
    if (keyId === this.keyId) return;
    // Only a file holding the committed key `keyId` is taken. An instance sharing keys/ renames its next
    // key file only after the commit this one heard (or leaves it to a start while another instance
    // holds the re-key lock), so the key may still be in transform.key.next; transform.key is read
    // again after it, for a rename between the two reads.
    const key =
      (await keyIfNamed(follow.readTransformKey, keyId)) ??
      (await keyIfNamed(follow.readNextTransformKey, keyId)) ??
      (await keyIfNamed(follow.readTransformKey, keyId));
    if (key === undefined) {
      this.staleTransformKeyId = keyId;
      process.stderr.write(
        `identity: another instance re-keyed to ${keyId}; copy its keys/ here and restart\n`,
      );
      return;
    }
    const previous = this.transformKey;
    try {
      await this.adoptTransformKeyNow(key, follow.reader);
    } catch (error) {
      // Read from the file for this follow alone: no one else holds it.
      sodium.memzero(key);
      throw error;
    }
    // Another instance's re-key committed while this one held no re-key lock: no re-key of this instance
    // holds the previous key (its rekey takes the key once it holds the lock, after this commit).
    sodium.memzero(previous);
  }

  /** Resolves once every change heard so far is in the gallery (tests and shutdown wait on it). */
  async settled(): Promise<void> {
    await this.following;
  }

  /** The gallery in use (a reload swaps in another: take it anew rather than keep it). */
  get gallery(): Gallery {
    return this.galleryState.gallery;
  }

  private newGallery(): Gallery {
    return new Gallery({
      dimension: this.calibration.dimension,
      ...(this.options.galleryTemplatesMax === undefined
        ? {}
        : { templatesMax: this.options.galleryTemplatesMax }),
    });
  }

  /** (Re)fills the gallery from the sealed rows of the calibrated model. */
  async loadGallery(reader: IdentityReader): Promise<void> {
    this.swapGallery(await this.readGallery(reader, this.keyId));
  }

  /**
   * A new gallery of the sealed rows of the calibrated model, all under `keyId`, built beside the one
   * in use: identify and enrolment keep searching that one, never an empty or partial gallery, until
   * swapGallery. Its seq is read first: a change committed while the pages are read is in them or after
   * the seq, and the first catchUp applies it (this instance's own enrolments meanwhile included).
   */
  private async readGallery(reader: IdentityReader, keyId: string): Promise<GalleryState> {
    const throughSeq =
      (await reader.templateChangesSince?.(Number.MAX_SAFE_INTEGER))?.throughSeq ?? 0;
    const gallery = this.newGallery();
    try {
      let after = '';
      for (;;) {
        const page = await reader.listTemplates(after, 1000);
        if (page.length === 0) return { gallery, throughSeq };
        for (const row of page) {
          after = row.id;
          if (row.modelId !== this.calibration.modelId) continue;
          assert(
            this.addStoredTemplate(gallery, row, keyId),
            'the gallery holds every stored template',
          );
        }
      }
    } catch (error) {
      gallery.clear();
      throw error;
    }
  }

  /** Puts `next` in use in one step; the one it replaces is zeroed. */
  private swapGallery(next: GalleryState): void {
    const previous = this.galleryState;
    this.galleryState = next;
    if (previous.gallery !== next.gallery) previous.gallery.clear();
  }

  /**
   * Applies the template changes committed since the gallery's seq by any instance (the feed may lag,
   * or be down): called inside a write transaction, so under the chain head's lock every commit before
   * it is applied, and a face enrolled on another instance is found by the next duplicate check or
   * identification here. Nothing to do where the store has no change log (one SQLite instance: every
   * change went through this gallery). Refuses (503) while the rows are under a re-keyed transform key
   * this instance has not taken yet.
   */
  private async catchUp(reader: IdentityReader): Promise<void> {
    if (reader.templateChangesSince === undefined || reader.listTemplatesOfPersons === undefined) {
      return;
    }
    for (;;) {
      const state = this.galleryState;
      await this.beforeCatchUpRead?.();
      const changed = await reader.templateChangesSince(state.throughSeq);
      const rows = await reader.listTemplatesOfPersons(changed.addedPersonIds);
      // Swapped meanwhile (a reload or re-key): the new gallery catches up from its own seq.
      if (this.galleryState !== state) continue;
      const rekeyed = changed.rekeyedTo !== undefined && changed.rekeyedTo !== this.keyId;
      if (rekeyed || rows.some((row) => row.transformKeyId !== this.keyId)) {
        refuse(
          'unavailable',
          'this hub instance has not taken the re-keyed transform key yet; try again',
        );
      }
      for (const row of rows) {
        if (row.modelId !== this.calibration.modelId || state.gallery.has(row.id)) continue;
        if (!this.addStoredTemplate(state.gallery, row, this.keyId)) {
          refuse('unavailable', 'the gallery is full');
        }
      }
      for (const personId of changed.erasedPersonIds) state.gallery.removePerson(personId);
      state.throughSeq = Math.max(state.throughSeq, changed.throughSeq);
      return;
    }
  }

  /** A test's wait once a re-key holds the re-key lock (dangerousTestOnlyAfterRekeyLock). */
  private afterRekeyLock: (() => Promise<void>) | undefined;

  /**
   * Tests only: `wait` is awaited by rekeyAndAdopt once its transaction holds the re-key lock, before
   * its next key file and its rows, so a test can let another instance's re-key be followed there.
   */
  dangerousTestOnlyAfterRekeyLock(wait: (() => Promise<void>) | undefined): void {
    assertTestRun('dangerousTestOnlyAfterRekeyLock');
    this.afterRekeyLock = wait;
  }

  /** A test's wait before each read of catchUp (dangerousTestOnlyBeforeCatchUpRead). */
  private beforeCatchUpRead: (() => Promise<void>) | undefined;

  /**
   * Tests only: `wait` is awaited before each read of the template changes in catchUp, so a test can let
   * a change land (a followed re-key) while a request is there, as a slow database read would.
   */
  dangerousTestOnlyBeforeCatchUpRead(wait: (() => Promise<void>) | undefined): void {
    assertTestRun('dangerousTestOnlyBeforeCatchUpRead');
    this.beforeCatchUpRead = wait;
  }

  /** Opens one stored template of the calibrated model into `gallery`; false when it is full. */
  private addStoredTemplate(gallery: Gallery, row: TemplateRecord, keyId: string): boolean {
    assert(row.transformKeyId === keyId, `template ${row.id} is under another transform key`);
    const opened = openTemplate({
      dataKey: this.keys.dataKey,
      binding: {
        personId: row.personId,
        templateId: row.id,
        modelId: row.modelId,
        transformKeyId: row.transformKeyId,
      },
      sealed: row.sealed,
      dimension: this.calibration.dimension,
    });
    assert(opened.ok, `template ${row.id} does not open: the data key or the row is wrong`);
    const added = gallery.add({
      personId: row.personId,
      templateId: row.id,
      template: opened.value,
    });
    opened.value.fill(0);
    return added.ok;
  }

  /**
   * Moves every template to `nextKey` and takes the key in the same transaction, so a write after it (in
   * its batch or the next) checks and stores faces under the key the rows are under: a station's faces
   * protected under the old key are refused transform_key_outdated, never stored under the old key id
   * beside rows under the new one (the gallery could not load them, and the hub would not start again).
   * When the write is answered with an error, the service keeps the key the store names: the previous
   * one when the transaction did not commit, the new one when it committed and only its answer was lost.
   * The caller renames the key files once it returns (commitNextTransformKey; finishInterruptedRekey
   * finishes that after a crash). The transaction holds the re-key lock first, then `writeNextKeyFile`
   * makes the next key file, before any row moves: a start settles that file under the same lock, so
   * none sees it before the transaction ends (a job that throws leaves it for the caller to discard).
   */
  async rekeyAndAdopt(
    caller: ClientRecord,
    nextKey: Uint8Array,
    reader: IdentityReader,
    writeNextKeyFile: () => Promise<void>,
  ): Promise<RekeyOutcome> {
    // The key the rows were moved from, and its id then: set by rekey, inside the lock. Not the key held
    // when the re-key began or took the lock: another instance's re-key, committed before this one had
    // the lock, may be followed after it (followRekey zeroes the key it replaces), and rekey checks the
    // stored key against the one held only then.
    let previous: { key: Uint8Array; keyId: string } | undefined;
    // Set once the job's own work is done: a failure after it is the commit's (or the batch's), whose
    // outcome the server may not have told (a connection lost at COMMIT, the server committing anyway).
    let jobDone = false;
    // Changes heard from the in-transaction adopt on wait until this re-key's outcome is taken: until the
    // COMMIT the store still names the previous key, and a feed resync applied there would follow it back
    // (zeroing nextKey) while the commit puts the rows under nextKey.
    let outcomeTaken = (): void => undefined;
    const taken = new Promise<void>((resolve) => {
      outcomeTaken = resolve;
    });
    try {
      const templates = await this.writer.write(async (tx) => {
        await tx.holdRekeyLock();
        await this.afterRekeyLock?.();
        await writeNextKeyFile();
        const moved = await this.rekey(tx, caller, nextKey, (fromKey) => {
          previous = { key: fromKey, keyId: transformKeyId(fromKey) };
        });
        // The gallery reloads from this transaction's rows, in turn with the changes heard from others.
        await this.adoptTransformKeyUntil(nextKey, tx, taken);
        jobDone = true;
        return moved;
      });
      // Committed: the rows are under nextKey and no one holds the previous key any more (a re-key after
      // this one takes the key when it holds the lock, a probe is checked by key id only).
      assert(previous !== undefined, 'a finished re-key job moved its rows from a key');
      if (previous.key !== this.transformKey) sodium.memzero(previous.key);
      return { ok: true, templates };
    } catch (error) {
      // The job threw before its end: its writes were undone (its savepoint, or the whole batch), and
      // the key is taken only at its end, so the previous one is still in use.
      if (!jobDone || previous === undefined) return { ok: false, error, stored: 'no' };
      // At or after the commit: the rows may be under either key. This instance takes the one the store
      // shows now (the previous if it cannot be read); a commit the server finishes later is refused to
      // writes here (requireStoredTransformKey) and settled by the next start.
      const nextKeyId = transformKeyId(nextKey);
      const committed = await reader.latestRekeyedKeyId().then(
        (storedKeyId) => storedKeyId === nextKeyId,
        () => false,
      );
      const stored = committed ? { key: nextKey, keyId: nextKeyId } : previous;
      // Only a key still whole (the changes heard wait for this outcome, so no follow should have zeroed
      // it; kept as a check: a zeroed key must never be adopted).
      const whole = transformKeyId(stored.key) === stored.keyId;
      if (!whole) {
        process.stderr.write(
          `identity: after a re-key whose commit was not confirmed, key ${stored.keyId} was replaced meanwhile; ${this.keyId} is kept\n`,
        );
      } else if (this.transformKey !== stored.key) {
        // Directly: the changes heard wait for this (adoptTransformKeyUntil would wait for them).
        await this.adoptTransformKeyNow(stored.key, reader).catch((adoptError: unknown) => {
          process.stderr.write(
            `identity: after a re-key whose commit was not confirmed, the gallery did not reload: ${
              (adoptError as Error).message
            }\n`,
          );
        });
      }
      // The key this instance does not hold is used nowhere now (the changes heard wait for this outcome;
      // a commit the server finishes later is followed from transform.key.next): zeroed, as a confirmed
      // re-key zeroes the previous one. In every case, the stored one too when its adopt failed (the
      // instance kept the next key): both are on disk, transform.key and transform.key.next.
      for (const key of [previous.key, nextKey]) if (key !== this.transformKey) sodium.memzero(key);
      return { ok: false, error, stored: 'unknown' };
    } finally {
      outcomeTaken();
    }
  }

  /**
   * Moves every template to `nextKey` inside `tx` (rekeyAndAdopt takes the key in the same one);
   * `movingFrom` is told the key the rows are moved from, once the stored key is checked to be it.
   */
  private async rekey(
    tx: StoreTx,
    caller: ClientRecord,
    nextKey: Uint8Array,
    movingFrom: (fromKey: Uint8Array) => void,
  ): Promise<number> {
    await this.requireStoredTransformKey(tx);
    const fromKey = this.transformKey;
    movingFrom(fromKey);
    const moved = await rekeyTemplates({ tx, dataKey: this.keys.dataKey, fromKey, toKey: nextKey });
    await tx.appendAudit({
      at: this.clock.now(),
      kind: rekeyedAuditKind,
      subject: transformKeyId(nextKey),
      actor: caller.id,
      data: { templates: moved },
    });
    return moved;
  }

  /**
   * Takes the new transform key and reloads the gallery under it, in turn with the changes heard from
   * other instances (a change applied halfway through the reload would add a template twice); the
   * changes heard after it are applied only once `until` resolves.
   */
  private async adoptTransformKeyUntil(
    key: Uint8Array,
    reader: IdentityReader,
    until: Promise<void>,
  ): Promise<void> {
    const adopted = this.following.then(() => this.adoptTransformKeyNow(key, reader));
    this.following = adopted.then(
      () => until,
      () => undefined,
    );
    await adopted;
  }

  /** The gallery under the new key is built first; the key and the gallery change in one step. */
  private async adoptTransformKeyNow(key: Uint8Array, reader: IdentityReader): Promise<void> {
    const keyId = transformKeyId(key);
    const next = await this.readGallery(reader, keyId);
    this.transformKey = key;
    this.keyId = keyId;
    this.staleTransformKeyId = undefined;
    this.swapGallery(next);
  }

  hubPublicKey(): string {
    return Buffer.from(this.keys.hubBox.publicKey).toString('base64');
  }

  /** The current transform key sealed to a verified kiosk's box key; the hand-over is audited. */
  async provisionTransformKey(
    tx: StoreTx,
    caller: ClientRecord,
    kiosk: KioskRecord,
  ): Promise<{ kioskId: string; transformKeyId: string; sealedTransformKey: string }> {
    assert(kiosk.clientId === caller.id && kiosk.revokedAt === null, 'kiosk verified before');
    const sealed = sealTransformKey({
      transformKey: this.transformKey,
      boxPublicKey: kiosk.boxPublicKey,
    });
    await tx.appendAudit({
      at: this.clock.now(),
      kind: 'kiosk.transform_key_provisioned',
      subject: kiosk.id,
      actor: caller.id,
      data: { transformKeyId: this.keyId },
    });
    return {
      kioskId: kiosk.id,
      transformKeyId: this.keyId,
      sealedTransformKey: Buffer.from(sealed).toString('base64'),
    };
  }

  // ---- enrolment -------------------------------------------------------------------------------

  /** Outside any transaction (Argon2id is slow): opens the sealed PIN, checks policy, makes the verifier. */
  async preparePin(
    sealedPin: string,
    context: { dateOfBirth: string; clientId: string },
  ): Promise<string> {
    const opened = openPin({
      sealed: fromBase64(sealedPin),
      hubKeyPair: this.keys.hubBox,
      replayGuard: 'caller_records_nonce',
      nowMs: this.clock.now(),
      purpose: 'enrol',
    });
    if (!opened.ok) envelopeRefusal(opened.error.code, opened.error.message);
    await this.spendPinNonce(opened.value);
    const pin = Buffer.from(opened.value.pin).toString('utf8');
    const child = isChild(context.dateOfBirth, this.clock.now());
    const policy = checkPinPolicy(pin, { child, dateOfBirth: context.dateOfBirth });
    if (!policy.ok) {
      sodium.memzero(opened.value.pin);
      refuse('pin_rejected', policy.error.message);
    }
    try {
      return await this.argon2((pins) =>
        pins.create({
          pin: opened.value.pin,
          pepper: this.keys.pinPepper,
          owner: { lane: 'enrolment', clientId: context.clientId },
        }),
      );
    } finally {
      sodium.memzero(opened.value.pin);
    }
  }

  /**
   * Every refusal of an enrolment that needs no PIN: run on committed state before Argon2id (so a
   * refused request costs no Argon2id work), and again inside the transaction that inserts. Answers the
   * guardian's consent the enrolment spends (null: no guardian named, or named by admin without one).
   */
  async checkEnrolment(
    reader: StoreReader & IdentityReader,
    caller: ClientRecord,
    request: CreatePersonRequest,
  ): Promise<GuardianConsentRecord | null> {
    const at = this.clock.now();
    const age = ageYears(request.dateOfBirth, at);
    if (age < 0 || age > 130)
      refuse('invalid_request', 'dateOfBirth is not a plausible verified date');
    await requireFreePersonAccount(reader, caller, request.accountId);
    if ((await reader.findPersonByDocument(request.idDocument.numberHash)) !== undefined) {
      refuse('duplicate_enrolment', 'this ID document is already enrolled');
    }
    if (request.guardianPersonId !== undefined) {
      const guardian = await reader.getPerson(request.guardianPersonId);
      if (guardian === undefined) refuse('not_found', 'guardian person not found');
      if (isChild(guardian.dateOfBirth, at))
        refuse('invalid_request', 'a guardian must be an adult');
      return this.guardianConsentFor(reader, caller, request, at);
    }
    if (request.guardianConsent !== undefined) {
      refuse('invalid_request', 'guardianConsent comes with the guardianPersonId it names');
    }
    // Leaving the guardian out must not skip the guardian's consent: a child's enrolment by a station
    // names a guardian who consented; only admin may enrol a child without one.
    if (isChild(request.dateOfBirth, at) && caller.role !== 'admin') {
      refuse(
        'guardian_consent_required',
        "a child's enrolment names a guardian who consented by face and PIN (POST /v1/guardian-consents)",
      );
    }
    return null;
  }

  /**
   * The guardian's unspent consent to this enrolment: given by this client, for this guardian and this
   * account, unexpired. Required unless the caller is admin (any enrolment client could otherwise name
   * any adult as a child's guardian, and the guardian's limits would be nobody's).
   */
  private async guardianConsentFor(
    reader: IdentityReader,
    caller: ClientRecord,
    request: CreatePersonRequest,
    at: number,
  ): Promise<GuardianConsentRecord | null> {
    if (request.guardianConsent === undefined) {
      if (caller.role === 'admin') return null;
      refuse(
        'guardian_consent_required',
        "naming a guardian needs the guardian's consent by face and PIN (POST /v1/guardian-consents)",
      );
    }
    const hash = hashToken(request.guardianConsent);
    const found = await reader.getGuardianConsent(hash);
    const valid =
      found !== undefined &&
      timingSafeEqual(found.tokenHash, hash) &&
      found.usedAt === null &&
      at < found.expiresAt &&
      found.createdBy === caller.id &&
      found.guardianPersonId === request.guardianPersonId &&
      found.childAccountId === request.accountId;
    if (!valid) {
      refuse(
        'guardian_consent_invalid',
        "the guardian's consent is unknown, spent, lapsed, or for another guardian, account or client",
      );
    }
    return found;
  }

  async createPerson(
    tx: StoreTx,
    caller: ClientRecord,
    request: CreatePersonRequest,
    pinVerifier: string,
  ): Promise<PersonRecord> {
    const consent = await this.checkEnrolment(tx, caller, request);
    const at = this.clock.now();
    const person: PersonRecord = {
      id: newId('per'),
      memberNumber: await unusedMemberNumber(tx),
      displayName: request.displayName,
      dateOfBirth: request.dateOfBirth,
      accountId: request.accountId,
      idDocument: {
        type: request.idDocument.type,
        numberHash: request.idDocument.numberHash,
        verifiedBy: request.idDocument.verifiedBy,
      },
      guardianPersonId: request.guardianPersonId ?? null,
      requirePin: request.requirePin ?? false,
      consent: request.consent === undefined ? null : { ...request.consent, at },
      pinVerifier,
      pinFailures: 0,
      createdBy: caller.id,
      createdAt: at,
    };
    await tx.insertPerson(person);
    await tx.appendAudit({
      at,
      kind: 'person.enrolled',
      subject: person.id,
      actor: caller.id,
      // The officer who checked the document (the enrolment client is the station, not a person).
      data: {
        accountId: person.accountId,
        document: person.idDocument.type,
        officer: person.idDocument.verifiedBy,
        ...(request.idDocument.secondOfficer === undefined
          ? {}
          : { secondOfficer: request.idDocument.secondOfficer }),
        ...(person.guardianPersonId === null ? {} : { guardianPersonId: person.guardianPersonId }),
        ...(person.consent === null
          ? {}
          : { consentVersion: person.consent.version, consentLanguage: person.consent.language }),
      },
    });
    if (consent !== null) await this.applyGuardianConsent(tx, caller, consent, at);
    return person;
  }

  /** Spends the consent and tightens the child's account by the guardian's limits and categories. */
  private async applyGuardianConsent(
    tx: StoreTx,
    caller: ClientRecord,
    consent: GuardianConsentRecord,
    at: number,
  ): Promise<void> {
    await tx.markGuardianConsentUsed(consent.tokenHash, at);
    const account = await tx.getAccount(consent.childAccountId);
    assert(account !== undefined, 'the enrolment checked the account');
    const rules = tightenedAccountRules(account, consent);
    await tx.setAccountRules(account.id, rules);
    await tx.appendAudit({
      at,
      kind: 'account.guardian_rules_set',
      subject: account.id,
      actor: caller.id,
      data: { guardianPersonId: consent.guardianPersonId, ...rules },
    });
  }

  // ---- a guardian's consent to a child's enrolment (extension) -------------------------------

  /**
   * Refusals that need no face or PIN, on committed state and before any work: the child's account
   * is a person account this client may enrol on, with nobody enrolled on it yet.
   */
  async checkGuardianConsentRequest(
    reader: StoreReader & IdentityReader,
    caller: ClientRecord,
    request: GuardianConsentRequest,
  ): Promise<void> {
    await requireFreePersonAccount(reader, caller, request.childAccountId);
  }

  /**
   * The face part of a guardian's consent: the station's attested probe must match one enrolled adult,
   * and only one, whose PIN is not locked. Audited, and the probe's nonce spent, whatever the outcome.
   */
  async identifyGuardian(
    tx: StoreTx,
    caller: ClientRecord,
    request: GuardianConsentRequest,
  ): Promise<GuardianMatch> {
    const { kiosk, matches } = await this.searchLiveProbe(tx, request, () =>
      requireGuardianAttestation(tx, caller, request, {
        allowUnattested: this.options.allowUnattested,
      }),
    );
    const at = this.clock.now();
    const outcome = guardianAmong(matches, at);
    await tx.appendAudit({
      at,
      kind: 'identity.guardian_identified',
      subject: matches[0]?.personId ?? '-',
      actor: caller.id,
      data: {
        childAccountId: request.childAccountId,
        outcome: outcome.kind,
        candidates: matches.length,
        ...(kiosk === null ? {} : { kioskId: kiosk.id }),
      },
    });
    return outcome;
  }

  /** After the guardian's PIN was right: the single-use consent to the child's enrolment, audited. */
  async grantGuardianConsent(
    tx: StoreTx,
    caller: ClientRecord,
    guardian: PersonRecord,
    request: GuardianConsentRequest,
  ): Promise<GuardianConsentView> {
    const at = this.clock.now();
    const token = `gc_${randomBytes(32).toString('base64url')}`;
    const expiresAt = at + guardianConsentLifetimeMs;
    const blockedCategories = [...new Set(request.blockedCategories)].sort();
    await tx.insertGuardianConsent({
      tokenHash: hashToken(token),
      guardianPersonId: guardian.id,
      childAccountId: request.childAccountId,
      limits: request.limits,
      blockedCategories,
      expiresAt,
      usedAt: null,
      createdBy: caller.id,
      createdAt: at,
    });
    await tx.appendAudit({
      at,
      kind: 'guardian.consented',
      subject: guardian.id,
      actor: caller.id,
      data: { childAccountId: request.childAccountId, limits: request.limits, blockedCategories },
    });
    return {
      guardianConsent: token,
      guardianPersonId: guardian.id,
      displayNameMasked: maskDisplayName(guardian.displayName),
      childAccountId: request.childAccountId,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /**
   * Opens the sealed templates, refuses a face that is already someone else's (duplicate enrolment)
   * or that does not match the person's other templates, seals and stores them, and adds them to the
   * gallery. Returns the ids added so a caller can take them out again if the commit fails.
   */
  async addTemplates(
    tx: StoreTx,
    caller: ClientRecord,
    personId: string,
    modelId: string,
    sealedTemplates: string[],
  ): Promise<{ templateIds: string[]; templates: number }> {
    // The key the probes are opened and checked under: a re-key taken meanwhile refuses (see below).
    const keyId = this.keyId;
    await this.requireStoredTransformKey(tx);
    if (modelId !== this.calibration.modelId)
      refuse('model_not_calibrated', `no calibrated threshold for model ${modelId}`);
    const person = await tx.getPerson(personId);
    if (person === undefined) refuse('not_found', `person ${personId} not found`);
    requirePersonOwner(caller, person);
    const existing = await tx.countTemplates(personId);
    if (existing + sealedTemplates.length > templatesPerPersonMax) {
      refuse('invalid_request', `a person has at most ${templatesPerPersonMax} templates`);
    }
    const templates: Float32Array[] = [];
    try {
      for (const sealed of sealedTemplates) {
        templates.push(await this.openProbeOrRefuse(tx, sealed, modelId));
      }
      // Faces enrolled on other instances first (their notices may not have arrived): no await between.
      await this.catchUp(tx);
      this.refuseIfRekeyedSince(keyId);
      this.refuseDuplicateOrMismatch(personId, templates, existing);
      const at = this.clock.now();
      const templateIds: string[] = [];
      for (const template of templates) {
        const id = newId('tpl');
        const binding = { personId, templateId: id, modelId, transformKeyId: keyId };
        await tx.insertTemplate({
          id,
          personId,
          modelId,
          transformKeyId: keyId,
          sealed: sealTemplate({ dataKey: this.keys.dataKey, binding, template }),
          createdAt: at,
        });
        templateIds.push(id);
      }
      await tx.appendAudit({
        at,
        kind: templatesAddedAuditKind,
        subject: personId,
        actor: caller.id,
        data: { count: templates.length, modelId },
      });
      for (const [i, template] of templates.entries()) {
        const added = this.gallery.add({ personId, templateId: templateIds[i] ?? '', template });
        if (added.ok) continue;
        // The transaction rolls back, and the route learns no ids to take out: those of this call go now.
        for (const id of templateIds.slice(0, i)) this.gallery.remove(id);
        refuse('unavailable', 'the gallery is full');
      }
      return { templateIds, templates: existing + templates.length };
    } finally {
      templates.forEach((t) => t.fill(0));
    }
  }

  /**
   * The candidates whose person is still in the database. Another instance may have erased someone
   * whose templates this gallery still holds (its change is on the way): they never match, and leave.
   */
  private async stillEnrolled<C extends { personId: string }>(
    tx: StoreTx,
    candidates: C[],
  ): Promise<Array<C & { person: PersonRecord }>> {
    const kept: Array<C & { person: PersonRecord }> = [];
    for (const candidate of candidates) {
      const person = await tx.getPerson(candidate.personId);
      if (person !== undefined) kept.push({ ...candidate, person });
      else this.gallery.removePerson(candidate.personId);
    }
    return kept;
  }

  /** Refuses while another instance's re-key left this one with a transform key it no longer uses. */
  private requireCurrentTransformKey(): void {
    if (this.staleTransformKeyId !== undefined) {
      refuse('unavailable', 'this hub instance awaits the re-keyed transform key; try another');
    }
  }

  /**
   * Refuses (503) when this instance took another transform key (a re-key it made or followed) after a
   * probe was opened and checked under `keyId`: the gallery is under the new key now, so that probe would
   * be compared with templates it cannot match, and stored under a key it was not made under.
   */
  private refuseIfRekeyedSince(keyId: string): void {
    if (this.keyId !== keyId) {
      refuse('unavailable', 'the transform key changed during this request; capture again');
    }
  }

  /**
   * Refuses a write of templates when the store's rows are under another key than this instance's: another
   * instance re-keyed and its notification has not arrived (or the feed was down). Read inside the write's
   * transaction, behind every commit before it, so no template is stored under a key the others left.
   */
  private async requireStoredTransformKey(tx: StoreTx): Promise<void> {
    this.requireCurrentTransformKey();
    const storedKeyId = await tx.latestRekeyedKeyId();
    if (storedKeyId !== undefined && storedKeyId !== this.keyId) {
      refuse(
        'unavailable',
        'this hub instance has not taken the re-keyed transform key yet; try again',
      );
    }
  }

  private refuseDuplicateOrMismatch(
    personId: string,
    templates: Float32Array[],
    existing: number,
  ): void {
    const threshold = this.calibration.threshold;
    for (const template of templates) {
      const found = this.gallery.search(template, Math.min(identifyCandidatesK, 100));
      const other = found.candidates.find((c) => c.personId !== personId && c.score >= threshold);
      if (other !== undefined) {
        refuse('duplicate_enrolment', 'this face is already enrolled for another person', {
          existingPersonMasked: maskPersonId(other.personId),
        });
      }
      const own = found.candidates.find((c) => c.personId === personId);
      if (existing > 0 && (own === undefined || own.score < threshold)) {
        refuse('invalid_request', "this face does not match the person's enrolled face");
      }
    }
    const [first, ...rest] = templates;
    for (const template of rest) {
      if (first !== undefined && cosine(first, template) < threshold) {
        refuse('invalid_request', 'the templates sent together are not of one face');
      }
    }
  }

  /**
   * Erases the person; returns the template ids destroyed. The same erasure asked again (its answer lost,
   * a retry after a restart) by the client that made it, or by admin, changes nothing and returns none
   * with the audit seq of that erasure (whose scrub the answer reports), so it is answered as the first
   * was; to anyone else an erased person is not found, as one never enrolled.
   */
  async deletePerson(
    tx: StoreTx,
    caller: ClientRecord,
    personId: string,
  ): Promise<{ templateIds: string[]; earlierErasureSeq?: number }> {
    const person = await tx.getPerson(personId);
    if (person === undefined) {
      const erasedBy = await tx.personErasedBy(personId);
      if (erasedBy !== undefined && (caller.role === 'admin' || caller.id === erasedBy.actor))
        return { templateIds: [], earlierErasureSeq: erasedBy.seq };
      refuse('not_found', `person ${personId} not found`);
    }
    requirePersonOwner(caller, person);
    // A guardian's erasure clears the guardian on each child enrolled with their consent: each child's
    // record changes, so each gets its own audit row, as a standing limit the erasure revokes does.
    const wardIds = await tx.listWardIds(personId);
    // Their unspent consents to children's enrolments are deleted with them: each gets its row too.
    const unspent = await tx.listUnspentGuardianConsents(personId);
    const templateIds = await tx.deletePerson(personId);
    const at = this.clock.now();
    await tx.appendAudit({
      at,
      kind: personErasedAuditKind,
      subject: personId,
      actor: caller.id,
      data: { templates: templateIds.length },
    });
    for (const wardId of wardIds) {
      await tx.appendAudit({
        at,
        kind: guardianClearedAuditKind,
        subject: wardId,
        actor: caller.id,
        data: { reason: 'person_erased', guardianPersonId: personId },
      });
    }
    for (const consent of unspent) {
      await tx.appendAudit({
        at,
        kind: guardianConsentRevokedAuditKind,
        subject: personId,
        actor: caller.id,
        data: {
          reason: 'person_erased',
          childAccountId: consent.childAccountId,
          consentedAt: consent.createdAt,
          consentedTo: consent.createdBy,
          lapsed: at >= consent.expiresAt,
        },
      });
    }
    // Their standing consent goes with them (holds placed under it stay and settle or refund).
    await revokeStandingLimitsOfErased(tx, person.accountId, caller.id, at);
    return { templateIds };
  }

  /**
   * An officer's unlock after an ID check: the document shown must be the one enrolled. Either way
   * the attempt is audited with the officer (never the document hash); a mismatch unlocks nothing.
   */
  async unlockPin(
    tx: StoreTx,
    caller: ClientRecord,
    personId: string,
    evidence: { type: string; numberHash: string; verifiedBy: string },
  ): Promise<'unlocked' | 'document_mismatch'> {
    const person = await tx.getPerson(personId);
    if (person === undefined) refuse('not_found', `person ${personId} not found`);
    requirePersonOwner(caller, person);
    const matches = idDocumentMatches(person.idDocument, evidence);
    const at = this.clock.now();
    // Attempts, right document or not, counted in the audit log: the same limit on every instance and
    // after a restart (an organisation could otherwise unlock its way through PIN guesses).
    const attempts = await tx.pinUnlockAttemptsSince(personId, at - pinUnlockWindowMs);
    if (attempts >= pinUnlocksPerDayPerPerson)
      refuse('rate_limited', `at most ${pinUnlocksPerDayPerPerson} PIN unlocks a day per person`);
    await tx.appendAudit({
      at,
      kind: matches ? 'person.pin_unlocked' : 'person.pin_unlock_refused',
      subject: personId,
      actor: caller.id,
      data: { officer: evidence.verifiedBy, document: evidence.type },
    });
    if (!matches) return 'document_mismatch';
    await tx.setPinFailures(personId, 0);
    return 'unlocked';
  }

  // ---- identification and PIN ---------------------------------------------------------------

  /** The face part of a payment; the transaction records an authorization when no PIN is needed. */
  async identify(tx: StoreTx, caller: ClientRecord, request: IdentifyRequest) {
    const { kiosk, matches, margin } = await this.searchLiveProbe(tx, request, () =>
      requireKioskAttestation(tx, caller, request, {
        allowUnattested: this.options.allowUnattested,
      }),
    );
    const at = this.clock.now();
    const best = matches[0];
    await tx.appendAudit({
      at,
      kind: 'identity.identified',
      subject: best?.personId ?? '-',
      actor: caller.id,
      data: {
        payee: request.payee,
        amount: request.amount,
        matched: best !== undefined,
        candidates: matches.length,
        ...(kiosk === null ? {} : { kioskId: kiosk.id }),
      },
    });
    if (best === undefined) return { match: null, pinRequired: false };
    const { person } = best;
    const purpose = request.purpose ?? 'payment';
    await tx.putIdentification({
      clientId: caller.id,
      payee: request.payee,
      amount: request.amount,
      personIds: matches.map((m) => m.personId),
      at,
      purpose,
    });
    const ambiguous = matches.length > 1;
    // A standing limit lets the payee take money again and again: the face alone never consents to it.
    const pinRequired =
      purpose === 'standing_limit' ||
      ambiguous ||
      person.requirePin ||
      isChild(person.dateOfBirth, at) ||
      request.amount >= this.options.stepUpAmount ||
      !faceAloneSuffices(this.calibration, best.score, this.gallery.personCount);
    const match = {
      personId: person.id,
      displayNameMasked: maskDisplayName(person.displayName),
      score: best.score,
      margin,
    };
    if (pinRequired) return { match, pinRequired: true };
    return {
      match,
      pinRequired: false,
      ...(await this.issueAuthorization(tx, caller, person, request.payee, request.amount)),
    };
  }

  /**
   * Argon2id outside the transaction; the verdict and the failure count inside it. The PIN must be
   * sealed for `purpose` (`verify:<personId>` after a face, `member:<memberNumber>` without one), and a
   * PIN the kiosk bound to its payment only for that `binding` (pinPaymentBinding);
   * `verifier: null` (nobody holds that member number) runs the same work and never matches.
   */
  async checkPin(options: {
    verifier: string | null;
    sealedPin: string;
    purpose: string;
    binding?: string;
    /** The till asking: its share of the payment lane. */
    clientId: string;
  }): Promise<boolean> {
    const opened = openPin({
      sealed: fromBase64(options.sealedPin),
      hubKeyPair: this.keys.hubBox,
      replayGuard: 'caller_records_nonce',
      nowMs: this.clock.now(),
      purpose: options.purpose,
      ...(options.binding === undefined ? {} : { binding: options.binding }),
    });
    if (!opened.ok) envelopeRefusal(opened.error.code, opened.error.message);
    await this.spendPinNonce(opened.value);
    if (!isPinShaped(opened.value.pin)) {
      // Cheap and before Argon2id: no PIN has this shape, so it is refused and counts as no try.
      sodium.memzero(opened.value.pin);
      refuse('invalid_request', `a sealed PIN holds ${pinDigitsMin} to ${pinDigitsMax} digits`);
    }
    try {
      return await this.argon2((pins) =>
        pins.verify({
          pin: opened.value.pin,
          pepper: this.keys.pinPepper,
          verifier: options.verifier,
          owner: { lane: 'payment', clientId: options.clientId },
        }),
      );
    } finally {
      sodium.memzero(opened.value.pin);
    }
  }

  /**
   * Runs Argon2id on the worker; a full queue is a 503, never a stalled hub. A worker that died (killed
   * for memory, a crash; the next job starts another) or that the pool stopped restarting is a 503 too,
   * told on one line of stderr: the request may be sent again (a new sealed PIN), as after a transient
   * database fault, and no PIN try was counted.
   */
  private async argon2<T>(work: (pins: PinWorkerPool) => Promise<T>): Promise<T> {
    try {
      const running = work(this.pins);
      if (this.killPinWorkerOnNextJob) {
        running.catch(() => undefined); // awaited below; not unhandled while the kill runs
        this.killPinWorkerOnNextJob = false;
        await this.pins.dangerousTestOnlyKillWorker();
      }
      return await running;
    } catch (error) {
      if (error instanceof PinQueueFullError)
        refuse('unavailable', 'too many PIN checks at once; try again');
      if (error instanceof PinWorkerFailedError) {
        process.stderr.write(`identity: PIN check not run: ${error.message}\n`);
        refuse('unavailable', 'the PIN check could not run now; try again');
      }
      throw error;
    }
  }

  /** Set by dangerousTestOnlyKillPinWorkerOnNextJob: argon2 kills the worker its job just went to. */
  private killPinWorkerOnNextJob = false;

  /** Tests only: the next Argon2id job's worker is killed once the job is on it (a real crash). */
  dangerousTestOnlyKillPinWorkerOnNextJob(): void {
    assertTestRun('dangerousTestOnlyKillPinWorkerOnNextJob');
    this.killPinWorkerOnNextJob = true;
  }

  async close(): Promise<void> {
    this.unfollow?.();
    // No resync is queued from here on (resyncLater).
    this.unfollow = undefined;
    clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    await this.following;
    await this.pins.close();
  }

  /**
   * Refuses a PIN for a person this client has not just identified for this payment (face + PIN). The
   * identification is in the database: the face may have gone to another hub instance than the PIN.
   */
  async requireIdentification(
    reader: IdentityReader,
    caller: ClientRecord,
    personId: string,
    payee: string,
    amount: number,
    purpose: AuthorizationPurpose = 'payment',
  ): Promise<void> {
    const seen = await reader.getIdentification(caller.id);
    const fresh = seen !== undefined && this.clock.now() - seen.at <= identificationMemoryMs;
    const same =
      fresh &&
      seen.personIds.includes(personId) &&
      seen.payee === payee &&
      amount <= seen.amount &&
      seen.purpose === purpose;
    if (!same) {
      refuse('identification_required', 'identify the face for this payment before the PIN');
    }
  }

  async recordPinResult(
    tx: StoreTx,
    caller: ClientRecord,
    personId: string,
    matched: boolean,
    via: 'face' | 'member_number' = 'face',
  ): Promise<{ locked: boolean; attemptsLeft: number }> {
    const person = await tx.getPerson(personId);
    assert(person !== undefined, 'person checked before');
    if (person.pinFailures >= pinAttemptsMax) return { locked: true, attemptsLeft: 0 };
    const failures = matched ? 0 : person.pinFailures + 1;
    await tx.setPinFailures(personId, failures);
    if (!matched) {
      await tx.appendAudit({
        at: this.clock.now(),
        kind: 'person.pin_failed',
        subject: personId,
        actor: caller.id,
        data: via === 'face' ? { failures } : { failures, via },
      });
    }
    return { locked: false, attemptsLeft: pinAttemptsMax - failures };
  }

  // ---- the PIN fallback: member number + PIN, no face (extension) ----------------------------

  /**
   * Inside the transaction, after checkPin: counts the try on the person's one PIN counter (shared
   * with verify-pin), and only once the PIN is right says that a child's account needs the face, so
   * a till without the PIN cannot tell a child's member number from any other.
   */
  async pinOnly(
    tx: StoreTx,
    caller: ClientRecord,
    request: { personId: string; matched: boolean; payee: string; amount: number },
  ): Promise<PinOnlyOutcome> {
    const state = await this.recordPinResult(
      tx,
      caller,
      request.personId,
      request.matched,
      'member_number',
    );
    if (state.locked) return { kind: 'locked' };
    if (!request.matched) return { kind: 'incorrect', attemptsLeft: state.attemptsLeft };
    const person = await tx.getPerson(request.personId);
    assert(person !== undefined, 'person checked by recordPinResult');
    const at = this.clock.now();
    const child = isChild(person.dateOfBirth, at);
    await tx.appendAudit({
      at,
      kind: child ? 'person.pin_only_refused' : 'person.pin_only_authorized',
      subject: person.id,
      actor: caller.id,
      data: child
        ? { payee: request.payee, amount: request.amount, reason: 'child' }
        : { payee: request.payee, amount: request.amount },
    });
    if (child) return { kind: 'face_required' };
    const issued = await this.issueAuthorization(tx, caller, person, request.payee, request.amount);
    return {
      kind: 'authorized',
      ...issued,
      payer: person.accountId,
      personId: person.id,
      displayNameMasked: maskDisplayName(person.displayName),
    };
  }

  /**
   * Before any PIN check: a client whose wrong PINs of the last 24 h (committed, in the audit log, so
   * counted on every instance) reached the cap (options.pinFailuresPerDayPerClient) is refused. A till spraying one PIN
   * over many member numbers never meets any one person's 3-try lock; this bounds it. Checks already
   * running may each add one more.
   */
  async requirePinFailuresUnderCap(reader: IdentityReader, caller: ClientRecord): Promise<void> {
    const since = this.clock.now() - pinFailureWindowMs;
    const failures = await reader.pinFailuresByClientSince(caller.id, since);
    const cap = this.options.pinFailuresPerDayPerClient;
    if (failures >= cap) {
      refuse(
        'pin_checks_suspended',
        `${cap} wrong PIN${cap === 1 ? '' : 's'} from this client in 24 hours: PIN checks resume as they age out`,
      );
    }
  }

  /** A member number nobody holds is locked after the same wrong tries as a person's would be. */
  async unknownMemberLocked(reader: IdentityReader, memberNumber: string): Promise<boolean> {
    return (await reader.getUnknownMemberFailures(memberNumber)) >= pinAttemptsMax;
  }

  /**
   * A try on a member number nobody holds (never issued, or erased): audited without the number, and
   * counted like a person's wrong PIN (in the database, shared by every instance), so the answers
   * (attemptsLeft 2, 1, 0, then locked) are those of a real member with a wrong PIN. Call after
   * checkPin ran the same Argon2id work.
   */
  async pinOnlyUnknown(
    tx: StoreTx,
    caller: ClientRecord,
    memberNumber: string,
  ): Promise<PinOnlyOutcome> {
    const at = this.clock.now();
    await tx.appendAudit({
      at,
      kind: 'identity.member_number_unknown',
      subject: '-',
      actor: caller.id,
      data: {},
    });
    const before = await tx.getUnknownMemberFailures(memberNumber);
    if (before >= pinAttemptsMax) return { kind: 'locked' };
    await tx.setUnknownMemberFailures(
      memberNumber,
      before + 1,
      at,
      unknownMemberNumbersRememberedMax,
    );
    return { kind: 'incorrect', attemptsLeft: pinAttemptsMax - (before + 1) };
  }

  async issueAuthorization(
    tx: StoreTx,
    caller: ClientRecord,
    person: PersonRecord,
    payee: string,
    amount: number,
    standingTerms: StandingLimitTerms | null = null,
  ) {
    const at = this.clock.now();
    // A standing limit lets a merchant take money again and again: a child's face and PIN never
    // grant one (the guardian decides what the child's account may be charged, not the child).
    if (standingTerms !== null && isChild(person.dateOfBirth, at)) {
      refuse(
        'forbidden',
        "a child cannot consent to a standing limit; the guardian's consent is needed",
      );
    }
    const token = `pa_${randomBytes(32).toString('base64url')}`;
    const expiresAt = at + paymentAuthorizationLifetimeMs;
    await tx.insertAuthorization({
      tokenHash: hashToken(token),
      personId: person.id,
      accountId: person.accountId,
      payee,
      maxAmount: amount as Yen,
      expiresAt,
      usedAt: null,
      createdBy: caller.id,
      createdAt: at,
      purpose: standingTerms === null ? 'payment' : 'standing_limit',
      standingTerms,
    });
    // Extension: the account the authorization debits, so the till can name the hold's payer.
    return {
      authorization: token,
      authorizationExpiresAt: new Date(expiresAt).toISOString(),
      payer: person.accountId,
    };
  }

  // ---- hooks the ledger calls ---------------------------------------------------------------

  async consume(
    tx: StoreTx,
    token: string,
    bound: { payer: string; payee: string; amount: Yen; at: number },
  ): Promise<'ok' | 'invalid'> {
    return this.spendAuthorization(
      tx,
      token,
      bound,
      (found) => found.purpose === 'payment' && bound.amount <= found.maxAmount,
    );
  }

  /** A person's face + PIN consent to a standing limit: within its terms, spent once. */
  async consumeStandingConsent(
    tx: StoreTx,
    token: string,
    bound: StandingConsentTerms,
  ): Promise<'ok' | 'invalid'> {
    return this.spendAuthorization(tx, token, bound, (found) => {
      const terms = found.standingTerms;
      return (
        found.purpose === 'standing_limit' &&
        terms !== null &&
        bound.amountPerPeriod <= found.maxAmount &&
        bound.periodSeconds >= terms.periodSeconds &&
        bound.expiresInSeconds <= terms.expiresInSeconds
      );
    });
  }

  /**
   * Marks the authorization `token` used when it is unused, unexpired at `bound.at`, for this payer
   * and payee, and `fits` what it is presented for; anything else is 'invalid' and spends nothing.
   */
  private async spendAuthorization(
    tx: StoreTx,
    token: string,
    bound: { payer: string; payee: string; at: number },
    fits: (found: PaymentAuthorizationRecord) => boolean,
  ): Promise<'ok' | 'invalid'> {
    const hash = hashToken(token);
    const found = await tx.getAuthorization(hash);
    if (found === undefined || !timingSafeEqual(found.tokenHash, hash)) return 'invalid';
    const valid =
      found.usedAt === null &&
      bound.at < found.expiresAt &&
      found.accountId === bound.payer &&
      found.payee === bound.payee &&
      fits(found);
    if (!valid) return 'invalid';
    await tx.markAuthorizationUsed(hash, bound.at);
    return 'ok';
  }

  async ageAllows(
    tx: StoreTx,
    payerAccountId: string,
    category: string,
    at: number,
  ): Promise<boolean> {
    const minimum = categoryMinimumAgeYears(category);
    if (minimum === undefined) return true;
    const account = await tx.getAccount(payerAccountId);
    if (account?.kind !== 'person') return true;
    const person = await tx.findPersonByAccount(payerAccountId);
    // No verified date of birth: an age-restricted sale is refused, never assumed allowed.
    return person !== undefined && ageYears(person.dateOfBirth, at) >= minimum;
  }

  /**
   * The face part every identification shares: a current transform key and calibrated model, the
   * attesting kiosk (`attest`), the probe opened (its nonce spent) and zeroed after the gallery search,
   * a live verdict, and the candidates at the threshold that are still enrolled, best first.
   */
  private async searchLiveProbe(
    tx: StoreTx,
    request: { modelId: string; sealedProbe: string; liveness: { passed: boolean } },
    attest: () => Promise<KioskRecord | null>,
  ) {
    this.requireCurrentTransformKey();
    if (request.modelId !== this.calibration.modelId)
      refuse('model_not_calibrated', `no calibrated threshold for model ${request.modelId}`);
    const kiosk = await attest();
    // The key the probe is opened and checked under: a re-key taken meanwhile refuses (see below).
    const keyId = this.keyId;
    const probe = await this.openProbeOrRefuse(tx, request.sealedProbe, request.modelId, {
      attestingKioskId: kiosk?.id ?? null,
    });
    let found;
    try {
      if (!request.liveness.passed)
        refuse('liveness_failed', 'the kiosk did not see a live person');
      // Persons enrolled or erased on other instances first: no await between this and the search.
      await this.catchUp(tx);
      this.refuseIfRekeyedSince(keyId);
      found = this.gallery.search(probe, identifyCandidatesK);
    } finally {
      probe.fill(0);
    }
    const matches = await this.stillEnrolled(
      tx,
      found.candidates.filter((c) => c.score >= this.calibration.threshold),
    );
    return { kiosk, matches, margin: found.margin };
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * Opens a sealed probe or template. One that names a transform key other than the current one is
   * refused as outdated (the kiosk re-provisions); a registered kiosk's probe must name its key and,
   * inside the seal, that kiosk: captured bytes another kiosk attests to are refused. A probe bound to a
   * kiosk is taken only with that kiosk's attestation (never as a template or unattested).
   */
  private async openProbeOrRefuse(
    tx: StoreTx,
    sealed: string,
    modelId: string,
    options: { attestingKioskId: string | null } = { attestingKioskId: null },
  ): Promise<Float32Array> {
    const nowMs = this.clock.now();
    const opened = openProbe({
      sealed: fromBase64(sealed),
      hubKeyPair: this.keys.hubBox,
      replayGuard: 'caller_records_nonce',
      nowMs,
      modelId,
      dimension: this.calibration.dimension,
    });
    if (!opened.ok) envelopeRefusal(opened.error.code, opened.error.message);
    const { template, transformKeyId: probeKeyId, kioskId: sealedBy, nonce } = opened.value;
    try {
      await spendNonce(tx, { purpose: 'envelope', nonce, nowMs });
    } catch (error) {
      template.fill(0);
      throw error;
    }
    const { attestingKioskId } = options;
    if (attestingKioskId !== null && (probeKeyId === null || sealedBy === null)) {
      template.fill(0);
      refuse(
        'probe_invalid',
        "a registered kiosk's probe names its transform key id and the kiosk",
      );
    }
    if (sealedBy !== attestingKioskId) {
      template.fill(0);
      refuse(
        'kiosk_attestation_invalid',
        attestingKioskId === null
          ? 'this probe was sealed by a registered kiosk: only its attestation vouches for it'
          : 'the attesting kiosk is not the kiosk that sealed this probe',
      );
    }
    if (probeKeyId !== null && probeKeyId !== this.keyId) {
      template.fill(0);
      refuse(
        'transform_key_outdated',
        'the probe was made under another transform key; fetch the current one and capture again',
      );
    }
    let norm = 0;
    for (const v of template) norm += v * v;
    if (Math.abs(Math.sqrt(norm) - 1) > 1e-3) {
      template.fill(0);
      refuse('probe_invalid', 'a protected template is a unit vector');
    }
    return template;
  }

  /** Spends a sealed PIN's nonce in a commit of its own, before Argon2id; zeroes the PIN if refused. */
  private async spendPinNonce(opened: { pin: Uint8Array; nonce: Uint8Array }): Promise<void> {
    try {
      await spendNonceNow(this.writer, {
        purpose: 'envelope',
        nonce: opened.nonce,
        nowMs: this.clock.now(),
      });
    } catch (error) {
      sodium.memzero(opened.pin);
      throw error;
    }
  }
}

/** The transform key `read` gives if it is the one named `keyId`; another read is zeroed. */
async function keyIfNamed(
  read: () => Promise<Uint8Array | undefined>,
  keyId: string,
): Promise<Uint8Array | undefined> {
  const key = await read();
  if (key === undefined || transformKeyId(key) === keyId) return key;
  sodium.memzero(key);
  return undefined;
}

/** A random member number never issued before (erased persons' numbers stay retired). */
async function unusedMemberNumber(tx: StoreTx): Promise<string> {
  for (let draw = 0; draw < memberNumberDrawsMax; draw++) {
    const number = newMemberNumber();
    if (!(await tx.isMemberNumberIssued(number))) return number;
  }
  refuse('unavailable', 'no unused member number found; the number space is nearly full');
}

/** 4 to 8 ASCII digits: the only PIN a person can have (pin.ts's policy), checked on the bytes. */
function isPinShaped(pin: Uint8Array): boolean {
  if (pin.length < pinDigitsMin || pin.length > pinDigitsMax) return false;
  return pin.every((byte) => byte >= 0x30 && byte <= 0x39);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

/**
 * A person id an enrolment officer may see when a face is enrolled already: enough to quote to support
 * (the last four characters), nothing that opens the person's record.
 */
function maskPersonId(personId: string): string {
  return `per_…${personId.slice(-4)}`;
}

/** A person account this client may enrol on (ownership.ts), with nobody enrolled on it yet. */
async function requireFreePersonAccount(
  reader: StoreReader & IdentityReader,
  caller: ClientRecord,
  accountId: string,
): Promise<void> {
  const account = await reader.getAccount(accountId);
  if (account === undefined || account.kind !== 'person')
    refuse('not_found', `person account ${accountId} not found`);
  await requireAccountEnroller(reader, caller, accountId);
  if ((await reader.findPersonByAccount(accountId)) !== undefined) {
    refuse('duplicate_enrolment', 'this account already belongs to an enrolled person');
  }
}

/** Who a guardian's face found: one enrolled adult whose PIN is not locked, or why nobody. */
type GuardianMatch =
  | { kind: 'matched'; person: PersonRecord }
  | { kind: 'not_identified' | 'ambiguous' | 'child' | 'locked' };

function guardianAmong(matches: readonly { person: PersonRecord }[], at: number): GuardianMatch {
  const [best, ...others] = matches;
  if (best === undefined) return { kind: 'not_identified' };
  if (others.length > 0) return { kind: 'ambiguous' };
  if (isChild(best.person.dateOfBirth, at)) return { kind: 'child' };
  if (best.person.pinFailures >= pinAttemptsMax) return { kind: 'locked' };
  return { kind: 'matched', person: best.person };
}
