// The enrolment station's service: an officer signs in (PIN against a verifier) and the station locks
// after inactivity; one enrolment at a time goes document -> ID photo -> live face (1:1 at the calibrated
// photo-vs-live threshold, after liveness) -> PIN twice + consent -> POST persons + templates through hub-link;
// a child (by the document's date of birth) first needs a guardian's face + PIN consent, with their limits.
// A step cannot be skipped and a refusal ends the enrolment; only a face mismatch may be overridden, by a
// second officer signing with their own PIN, and that override is logged with both officers and the score.
// A lost answer is tried again (POST /v1/persons under a key kept on disk: PendingPersons) and never
// leaves a person without a face: one nobody works on any more is asked again at start and then
// periodically, and its person erased; a person the hub created whose enrolment did not complete (the
// faces refused or their answer lost, and the erase that followed unanswered; or the station stopped
// meanwhile) stays on that list until the hub has erased them, whatever the officer did meanwhile; a
// child's spent or lapsed consent asks the guardian again.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { isChild } from '../shared/age.ts';
import { assert } from '../shared/assert.ts';
import {
  checkIdDocument,
  normaliseDocumentNumber,
  type IdDocumentCheck,
} from '../shared/id-document.ts';
import type {
  EnrolmentRefusalReason,
  EnrolmentView,
  KioskError,
  KioskRequest,
  KioskResult,
  PersonToErase,
  StationView,
} from '../shared/kiosk-api.ts';
import { enrolmentConsentVersion, kioskFailure } from '../shared/kiosk-api.ts';
import {
  stationAbandonedAnswerTrustedMs,
  stationAbandonedResolveBatchMax,
  stationAbandonedResolveEveryMs,
  stationIdleLockMs,
  stationLookupCreatedAfterSentMsMax,
  stationSignInAttemptsMax,
  stationSignInLockMs,
  stationSignInLockMsMax,
} from '../shared/limits.ts';
import type { CreatePersonRequest, PersonView } from '../shared/hub-api.ts';
import type { HubAnswer, HubLink } from './hub-link.ts';
import type { KioskConfig } from './kiosk-config.ts';
import { elapsedMs } from './monotonic-clock.ts';
import { officerPinMatches } from './officers.ts';
import { PendingPersons, type PendingPerson } from './pending-persons.ts';
import { PinLockout } from './pin-lockout.ts';
import type { StationLog, StationLogEntry } from './station-log.ts';
import { enrolledByDocument } from './station-log.ts';

/** The 1:1 comparison of an ID photo with live frames at a calibrated operating point. */
export interface PhotoVsLiveGate {
  readonly point: {
    modelId: string;
    threshold: number;
    targetFmr: number;
    fmr: number;
    fnmr: number;
  };
  compare(photo: Float32Array, live: readonly Float32Array[]): { score: number; matched: boolean };
}

type StationConfig = NonNullable<KioskConfig['enrolment']>;
type StationAnswer = KioskResult<{ station: StationView }>;

/** What the station holds of one enrolment: secrets (document number, faces) never reach the view. */
interface Enrolment {
  view: EnrolmentView;
  person: EnrolledPerson | null;
  photo: Float32Array | null;
  live: Float32Array[];
  /** A child's guardian who consented: the hub's single-use consent token (never shown). */
  guardian: GuardianConsent | null;
  /**
   * A request for this account or document whose fate the hub can no longer tell (asked again and refused
   * without its stored answer replayed, or one it no longer answers for) and whose person the lookup did
   * not settle: the hub may have created that person (earlier_try_unresolved), or the lookup found a
   * faceless person created after that request was sent and spared them (enrolled_elsewhere). A refusal as
   * enrolled says which (#explained). Null: nothing unsettled.
   */
  unsettled: EnrolmentRefusalReason | null;
  /** A face_mismatch a second officer may still override: the document's person and the live faces. */
  overridable: {
    person: EnrolledPerson;
    live: Float32Array[];
    guardian: GuardianConsent | null;
  } | null;
}

interface GuardianConsent {
  personId: string;
  token: string;
}

/** What one try of an enrolment asks the hub for: the person (the PIN still clear: sealed per request). */
interface PersonAttempt {
  person: Omit<CreatePersonRequest, 'sealedPin'>;
  pin: string;
}

type EnrolAnswer = Awaited<ReturnType<HubLink['addFaces']>>;
type PersonAnswer = HubAnswer<PersonView> | { ok: false; error: KioskError; leftBehind: string };

/**
 * A listed request's lookup by document (#lookUpListed): settled (its person erased, or nobody of its to
 * erase: off the list), still listed (nobody found where that proves nothing), still listed with a faceless
 * person on its account it cannot have created (spared), or no answer.
 */
type LookedUp = 'settled' | 'listed' | 'spared' | 'unanswered';

/** An unanswered request sent again (#resend): the person it created, its refusal, or still no answer. */
type Resent =
  | { kind: 'created'; person: PersonView }
  | { kind: 'refused'; error: KioskError; replayed: boolean }
  | { kind: 'unknown'; answer: { ok: false; error: KioskError } };

interface EnrolledPerson {
  displayName: string;
  dateOfBirth: string;
  numberHash: string;
}

export interface EnrolmentStationOptions {
  config: KioskConfig;
  hub: HubLink;
  log: StationLog;
  /** null: no calibrated photo-vs-live threshold (models/photo-vs-live.json): the station refuses to enrol. */
  photoVsLive: PhotoVsLiveGate | null;
  /**
   * The wall clock, for what is dated: a document's expiry and a child's age, times logged and shown, and a
   * request's sentAtMs (kept on disk, compared with the hub's retention across restarts). The idle lock
   * counts elapsed time instead (#lastActivityElapsedMs).
   */
  now: () => number;
  onChange: (station: StationView) => void;
  /** Where the officers' PIN lock is kept (the runtime: beside the device keys); null: in memory only. */
  signInLockFile: string | null;
}

/**
 * Where one officer's own PIN lock is kept: beside the station's (`officer-lock.json` ->
 * `officer-lock.<id in hex>.json`); hex, so ids that differ only in case keep two files on any file system.
 */
function officerLockFile(stationFile: string, officerId: string): string {
  const { dir, name, ext } = path.parse(stationFile);
  return path.join(dir, `${name}.${Buffer.from(officerId, 'utf8').toString('hex')}${ext}`);
}

/** What the log says of a request listed for the hub's admin: what finds its person, never personal data. */
function listedRequest(pending: PendingPerson) {
  return {
    enrolment: pending.enrolment,
    accountId: pending.accountId,
    documentHash: pending.documentHash,
    document: pending.documentType,
  };
}

export class EnrolmentStation {
  readonly #options: EnrolmentStationOptions;
  readonly #config: StationConfig;
  #officer: string | null = null;
  /**
   * The elapsed clock (not the wall clock `now`) at the officer's last call: a clock set back would keep an
   * officer who walked away signed in for hours, one set forward would sign a working officer out at once.
   * Not kept on disk: a restart signs the officer out anyway.
   */
  #lastActivityElapsedMs = 0;
  /**
   * Wrong officer PINs, at sign-in and at a second officer's override alike, counted for the whole station
   * (whatever id was typed: a stranger gets the same few guesses a round, known ids or not) and again in
   * #signInOf for the configured officer whose id was typed. A right PIN starts over the station's count and
   * that officer's own, never another officer's: otherwise an officer who knows their own PIN could sign in
   * between guesses at a colleague's and never reach the colleague's lock.
   */
  readonly #signIn: PinLockout;
  /** Each configured officer's own wrong PINs (by id), locked and kept on disk like the station's. */
  readonly #signInOf: ReadonlyMap<string, PinLockout>;
  /** POST /v1/persons requests whose answer is not known yet (the device keys' folder: kept on restart). */
  readonly #pending: PendingPersons;
  #enrolment: Enrolment | null = null;
  /** An officer's call is running (most wait for the hub): the next one waits its turn (exclusive). */
  #busy = false;
  /** When abandoned requests were last asked again (null: not yet in this run, so at the first tick). */
  #resolvedAtMs: number | null = null;
  /** Listed requests and the person their lookup spared, logged once a run (the tick looks every round). */
  readonly #sparedLogged = new Set<string>();

  constructor(options: EnrolmentStationOptions) {
    assert(options.config.enrolment !== undefined, 'an enrolment station has an enrolment config');
    this.#options = options;
    this.#config = options.config.enrolment;
    this.#pending = new PendingPersons(
      path.join(options.config.keysDir, 'pending-persons.json'),
      options.now(),
    );
    const limits = {
      attemptsMax: stationSignInAttemptsMax,
      lockMs: stationSignInLockMs,
      lockMsMax: stationSignInLockMsMax,
    };
    const file = options.signInLockFile;
    this.#signIn = new PinLockout({ limits, file });
    this.#signInOf = new Map(
      this.#config.officers.map(({ id }) => [
        id,
        new PinLockout({ limits, file: file === null ? null : officerLockFile(file, id) }),
      ]),
    );
  }

  view(): StationView {
    const gate = this.#options.photoVsLive;
    return {
      officer: this.#officer,
      photoVsLive: gate === null ? null : { ...gate.point },
      consentVersion: enrolmentConsentVersion,
      enrolment: this.#enrolment?.view ?? null,
      personsToErase: this.#pending.forAdmin().map((pending) => ({
        accountId: pending.accountId,
        documentType: pending.documentType,
        documentHash: pending.documentHash,
        sentAt: pending.sentAtMs === null ? null : new Date(pending.sentAtMs).toISOString(),
      })),
    };
  }

  /**
   * Runs one officer's call at a time. A cancel or a new document while the hub enrols the person would
   * show the station empty while the hub still enrols them (their face and PIN kept after they were told
   * it stopped); a second finish would enrol twice and record a refusal over the success. Sign-out is
   * not refused (the officer is leaving; what they approved completes and is recorded).
   */
  async exclusive<R>(call: () => Promise<R>): Promise<R | { ok: false; error: KioskError }> {
    if (this.#busy) {
      return kioskFailure('enrolment_not_ready', 'the station is waiting for the hub; try again');
    }
    this.#busy = true;
    try {
      return await call();
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The runtime's timer (its first tick at start, then every few seconds): locks the station once the
   * officer has left it alone for stationIdleLockMs of elapsed time, and resolves the unanswered requests
   * nobody works on.
   */
  async lockIfIdle(): Promise<void> {
    await this.#lockIfIdle();
    await this.#resolveAbandonedWhenDue();
  }

  async #lockIfIdle(): Promise<void> {
    if (this.#officer === null || this.#busy) return;
    if (elapsedMs() - this.#lastActivityElapsedMs < stationIdleLockMs) return;
    const officer = this.#officer;
    this.#lock();
    await this.#record({ kind: 'station.locked', officer, data: { reason: 'inactivity' } });
    this.#options.onChange(this.view());
  }

  async signIn(request: KioskRequest<'officerSignIn'>): Promise<StationAnswer> {
    const pin = this.#checkOfficerPin(request);
    if (!pin.ok) {
      if (pin.error.code === 'officer_pin_incorrect') {
        await this.#record({
          kind: 'officer.sign_in_refused',
          officer: null,
          data: { attemptedOfficer: this.#knownOfficer(request.officerId) },
        });
      }
      return pin;
    }
    this.#lock();
    this.#officer = request.officerId;
    this.#lastActivityElapsedMs = elapsedMs();
    await this.#record({ kind: 'officer.signed_in', officer: request.officerId, data: {} });
    return this.#answer();
  }

  async signOut(): Promise<StationAnswer> {
    const officer = this.#officer;
    this.#lock();
    if (officer !== null) await this.#record({ kind: 'officer.signed_out', officer, data: {} });
    return this.#answer();
  }

  /** The station as it stands; a call from the officer's screens, so it counts as activity. */
  async station(): Promise<StationAnswer> {
    await this.#lockIfIdle();
    if (this.#officer !== null) this.#lastActivityElapsedMs = elapsedMs();
    return this.#answer();
  }

  async document(request: KioskRequest<'enrolmentDocument'>): Promise<StationAnswer> {
    const officer = await this.#active();
    if (!officer.ok) return officer;
    if (this.#options.photoVsLive === null) {
      return kioskFailure('no_photo_calibration', 'no calibrated photo-vs-live threshold');
    }
    // The document step asks the hub nothing: without this the officer would take the person's photo, face
    // and PIN only for the hub to refuse the station at the consent.
    await this.#askAgainIfRefused();
    const refused = this.#credentialsRefusal();
    if (refused !== null) return { ok: false, error: refused };
    const enrolment = this.#begin(request.accountId, request.document.type);
    const checked = checkIdDocument(request.document, localDate(this.#options.now()));
    if (!checked.ok) {
      return this.#refuse(enrolment, 'enrolment.document_refused', documentRefused(checked.error));
    }
    enrolment.person = {
      displayName: request.document.name.trim(),
      dateOfBirth: checked.document.dateOfBirth,
      numberHash: this.#numberHash(checked.document.type, checked.document.number),
    };
    // A child's guardian consents before the child's face is taken: no guardian, no biometrics kept.
    const child = isChild(checked.document.dateOfBirth, this.#options.now());
    enrolment.view = { ...enrolment.view, child, step: child ? 'guardian' : 'id_photo' };
    return this.#answer();
  }

  /**
   * A child's guardian at the camera: the hub identifies them among enrolled adults by the live face,
   * checks their PIN and records their consent with the limits they set on the child's account. A wrong
   * PIN or a face not found may be tried again; a locked PIN or a guardian who is a child ends it.
   */
  async guardian(request: KioskRequest<'enrolmentGuardian'>): Promise<StationAnswer> {
    const current = await this.#at('guardian');
    if (!current.ok) return current;
    const { enrolment, gate } = current.value;
    if (!request.liveness.passed) {
      return kioskFailure('liveness_failed', "the guardian's face did not pass the liveness check");
    }
    if (request.modelId !== gate.point.modelId) {
      return kioskFailure('no_photo_calibration', `no calibrated model ${request.modelId}`);
    }
    const consented = await this.#guardianConsentAtHub(enrolment, request);
    if (!consented.ok) {
      const error = this.#withCredentials(consented.error);
      // A refusal of the station's credentials ends it: the guardian trying again changes nothing.
      if (error.credentialsRefused !== undefined) {
        return this.#refuse(enrolment, 'enrolment.guardian_refused', error);
      }
      const tryAgain: readonly string[] = [
        'pin_incorrect',
        'guardian_not_identified',
        'rate_limited',
        'hub_unreachable',
        'liveness_failed',
      ];
      if (tryAgain.includes(consented.error.code)) return { ok: false, error: consented.error };
      return this.#refuse(enrolment, 'enrolment.guardian_refused', consented.error);
    }
    const { value } = consented;
    enrolment.guardian = { personId: value.guardianPersonId, token: value.guardianConsent };
    enrolment.view = {
      ...enrolment.view,
      step: 'id_photo',
      guardian: {
        personId: value.guardianPersonId,
        displayNameMasked: value.displayNameMasked,
        limits: request.limits,
        blockedCategories: [...new Set(request.blockedCategories)].sort(),
      },
    };
    await this.#record({
      kind: 'enrolment.guardian_consented',
      officer: this.#officer,
      data: {
        enrolment: enrolment.view.id,
        accountId: enrolment.view.accountId,
        guardianPersonId: value.guardianPersonId,
        perPaymentMax: request.limits.perPaymentMax ?? null,
        dailyMax: request.limits.dailyMax ?? null,
        blockedCategories: enrolment.view.guardian?.blockedCategories.join(',') ?? '',
      },
    });
    return this.#answer();
  }

  /** The hub's consent of the guardian at the camera; HubLink.guardianConsent zeroes the copy however it ends. */
  #guardianConsentAtHub(enrolment: Enrolment, request: KioskRequest<'enrolmentGuardian'>) {
    return this.#options.hub.guardianConsent({
      descriptor: Float32Array.from(request.descriptor),
      modelId: request.modelId,
      liveness: request.liveness,
      pin: request.pin,
      childAccountId: enrolment.view.accountId ?? '',
      limits: request.limits,
      blockedCategories: request.blockedCategories,
    });
  }

  async idPhoto(request: KioskRequest<'enrolmentIdPhoto'>): Promise<StationAnswer> {
    const current = await this.#at('id_photo');
    if (!current.ok) return current;
    const { enrolment, gate } = current.value;
    if (request.modelId !== gate.point.modelId) {
      return this.#refuse(enrolment, 'enrolment.face_refused', {
        code: 'no_photo_calibration',
        message: `no calibrated photo-vs-live threshold for model ${request.modelId}`,
      });
    }
    enrolment.photo = Float32Array.from(request.descriptor);
    enrolment.view = { ...enrolment.view, step: 'live_face' };
    return this.#answer();
  }

  async liveFace(request: KioskRequest<'enrolmentLiveFace'>): Promise<StationAnswer> {
    const current = await this.#at('live_face');
    if (!current.ok) return current;
    const { enrolment, gate } = current.value;
    const photo = enrolment.photo;
    assert(photo !== null, 'the live step follows the photo step');
    if (!request.liveness.passed) {
      return this.#refuse(enrolment, 'enrolment.face_refused', {
        code: 'liveness_failed',
        message: 'the live face did not pass the liveness check',
      });
    }
    if (request.modelId !== gate.point.modelId) {
      return this.#refuse(enrolment, 'enrolment.face_refused', {
        code: 'no_photo_calibration',
        message: `no calibrated photo-vs-live threshold for model ${request.modelId}`,
      });
    }
    const live = request.descriptors.map((descriptor) => Float32Array.from(descriptor));
    // Zeroed unless the enrolment keeps them (the PIN step, or an override): a throw, in the comparison or
    // the refusal's log write, drops them.
    let kept = false;
    try {
      const { score, matched } = gate.compare(photo, live);
      // The ID photo was taken for this comparison alone (an override signs for its score, not the photo).
      photo.fill(0);
      enrolment.photo = null;
      enrolment.view = {
        ...enrolment.view,
        photoMatch: { score, threshold: gate.point.threshold, matched },
      };
      if (!matched) {
        const { person, guardian } = enrolment;
        assert(person !== null, 'the live step follows the document step');
        const refused = await this.#refuse(enrolment, 'enrolment.face_refused', {
          code: 'face_mismatch',
          message: 'the live face does not match the ID photo',
        });
        // Kept only for a second officer's override (overrideMismatch); any other step forgets them. Not
        // when the officer signed out while the refusal was logged: that dropped the enrolment.
        kept = this.#enrolment === enrolment;
        if (kept) enrolment.overridable = { person, live, guardian };
        return refused;
      }
      enrolment.live = live;
      kept = true;
      enrolment.view = { ...enrolment.view, step: 'pin', templates: live.length };
      return this.#answer();
    } finally {
      if (!kept) live.forEach((descriptor) => descriptor.fill(0));
    }
  }

  async finish(request: KioskRequest<'enrolmentFinish'>): Promise<StationAnswer> {
    const current = await this.#at('pin');
    if (!current.ok) return current;
    const { enrolment } = current.value;
    if (request.pin !== request.pinAgain) {
      return kioskFailure('pins_differ', 'the two PINs differ: enter the PIN twice again');
    }
    if (request.consent.version !== enrolmentConsentVersion) {
      return kioskFailure('consent_required', 'the consent shown is not the current version');
    }
    const consentAt = new Date(this.#options.now()).toISOString();
    const { person, guardian } = enrolment;
    const officer = this.#officer;
    assert(person !== null && officer !== null, 'the PIN step follows the document step');
    assert(!enrolment.view.child || guardian !== null, "a child's PIN step follows the guardian's");
    const override = enrolment.view.override;
    const enrolled = await this.#enrolPerson(enrolment, {
      person: {
        displayName: person.displayName,
        dateOfBirth: person.dateOfBirth,
        accountId: enrolment.view.accountId ?? '',
        // The officer who checked the document: the hub keeps it with the person and shows it on reads;
        // the second officer of an override is written to the hub's audit of the enrolment.
        idDocument: {
          type: documentType(enrolment),
          numberHash: person.numberHash,
          verifiedBy: officer,
          ...(override === null ? {} : { secondOfficer: override }),
        },
        ...(guardian === null
          ? {}
          : { guardianPersonId: guardian.personId, guardianConsent: guardian.token }),
        // Kept with the person by the hub too (and erased with them), beside this station's log.
        consent: { version: request.consent.version, language: request.consent.language },
      },
      pin: request.pin,
    });
    // A person this try created and could not erase (HubLink.addFaces' leftBehind) stays in PendingPersons
    // with their id: the next try of this account or document erases them first, as does a cancel, and
    // the clean-up tick once nobody works on this enrolment (sign-out, lock, another document, a restart).
    if (!enrolled.ok) {
      const error = this.#withCredentials(enrolled.error);
      // A PIN the hub's policy refuses can be chosen again; anything else ends the enrolment.
      // A lost answer is not remembered here: its request stays in PendingPersons, and the next try asks it
      // again (#askAgain), which learns what it did; only a request whose fate stays unknown sets
      // unsettled there. (Set here, a refusal replayed for that request, proving it enrolled nobody,
      // would still have told the officer a person may need the admin's erase.)
      // An unknown outcome stays one while the hub refuses the station (its request is kept, asked again
      // once the hub accepts it), but it says so: sending it again from the consent cannot work.
      if (error.code === 'pin_rejected' || error.code === 'hub_unreachable') {
        return { ok: false, error };
      }
      if (error.code === 'guardian_consent_invalid' && enrolment.view.child) {
        return this.#consentAgain(enrolment);
      }
      return this.#refuse(enrolment, 'enrolment.refused', this.#explained(enrolment, error));
    }
    const { value } = enrolled;
    enrolment.view = {
      ...enrolment.view,
      step: 'enrolled',
      person: {
        id: value.id,
        memberNumber: value.memberNumber,
        displayNameMasked: value.displayNameMasked,
        child: value.child,
      },
    };
    this.#forgetSecrets(enrolment);
    this.#forgetAdminErased(value.accountId, person.numberHash);
    await this.#record({
      kind: 'enrolment.completed',
      officer,
      data: {
        enrolment: enrolment.view.id,
        personId: value.id,
        accountId: value.accountId,
        document: value.idDocument.type,
        templates: value.templates,
        photoScore: enrolment.view.photoMatch?.score ?? null,
        photoThreshold: enrolment.view.photoMatch?.threshold ?? null,
        consentVersion: request.consent.version,
        consentLanguage: request.consent.language,
        consentAt,
        override: enrolment.view.override,
        guardianPersonId: enrolment.view.guardian?.personId ?? null,
        // The keyed hash the hub holds too: erasure and PIN unlock find the person by the document again.
        documentHash: person.numberHash,
      },
    });
    return this.#answer();
  }

  /**
   * Erasure or PIN unlock at the desk, each after the officer's ID check: the document shown is checked
   * like an enrolment's but an expired one is taken (a passport that expired since the enrolment must not
   * keep its holder from erasing their data; nobody is enrolled on it), its keyed hash (type and number
   * only) finds the person this station enrolled, and the hub acts (erasure destroys the templates;
   * unlock compares the document with the enrolled one and names the officer).
   * An erasure erases the person the hub names for the document now (GET /v1/persons?documentHash=, the
   * persons this station's client enrolled), which may not be the one this station's log names: the hub's
   * admin may have erased that one and another station of the organisation enrolled the document again.
   * The person asked for the data held on their document to be erased, and that person's templates are
   * it: erasing the logged one alone would answer "erased" on the hub's 404 while the templates stay,
   * payable by face. The hub decides whether this station's client may erase them. When the hub names
   * nobody, the logged person is erased (a 404 then means nobody of this client holds the document: an
   * erasure whose answer was lost, or the admin's). No answer to the lookup: hub_unreachable, erasing
   * nobody. An erasure's preview finds the person the same way and erases nobody: it names them (toErase).
   * A PIN unlock finds the person the same way: the logged one, gone, would answer 404 while the person
   * the document names now stays locked.
   */
  async personAction(
    action: 'erase' | 'unlock_pin',
    request: KioskRequest<'personErase'>,
  ): Promise<
    KioskResult<{ station: StationView; personId: string; toErase?: PersonToErase | null }>
  > {
    const active = await this.#active();
    if (!active.ok) return active;
    const checked = checkIdDocument(request.document, localDate(this.#options.now()), {
      expired: 'accepted',
    });
    const kind = action === 'erase' ? 'person.erased' : 'person.pin_unlocked';
    const refuse = async (error: KioskError) => {
      await this.#record({
        kind: 'person.action_refused',
        officer: active.officer,
        data: { action, code: error.code, reason: error.documentCode ?? null },
      });
      return { ok: false as const, error };
    };
    if (!checked.ok) return refuse(documentRefused(checked.error));
    // Erasure and unlock skip connect: a refusal the link noted earlier is asked afresh first, so their
    // failure is not put down to it when it is over. Not refused for it: a revoked registration (not the
    // token) leaves them to the hub to answer.
    await this.#askAgainIfRefused();
    const numberHash = this.#numberHash(checked.document.type, checked.document.number);
    const unanswered = await this.#unansweredPerson(numberHash);
    if (!unanswered.ok) return refuse(this.#withCredentials(unanswered.error));
    const logged =
      (await enrolledByDocument(this.#options.log.file)).get(numberHash) ??
      unanswered.value ??
      undefined;
    if (logged === undefined) {
      const forAdmin = this.#pending
        .forDocument(numberHash)
        .some(([, sent]) => sent.body === null && sent.personId === null);
      return refuse(
        forAdmin
          ? {
              code: 'not_enrolled_here',
              message:
                "an enrolment of this document got no answer and the hub no longer answers for it: the hub's " +
                'admin must find that person by the document hash the station lists, and erase them',
              deskReason: 'listed_for_admin',
            }
          : {
              code: 'not_enrolled_here',
              message: 'nobody enrolled at this station shows this document',
            },
      );
    }
    const named = await this.#options.hub.personWithDocument(numberHash);
    // The lookup takes any refusal for no answer (hub_unreachable); one of the station's credentials is
    // said as such, as the erasure's own would be: a refusal of the station, not of the person.
    if (!named.ok) return refuse(this.#credentialsRefusal() ?? named.error);
    const personId = named.value?.id ?? logged;
    if (action === 'erase' && request.preview === true) {
      return { ok: true, station: this.view(), personId, toErase: toErase(named.value) };
    }
    const done =
      action === 'erase'
        ? await this.#options.hub.erasePerson(personId)
        : await this.#options.hub.unlockPin(personId, {
            type: checked.document.type,
            numberHash,
            verifiedBy: active.officer,
          });
    if (!done.ok) return refuse(this.#withCredentials(done.error));
    // Erased: off the list of persons whose enrolment did not complete, if there.
    if (action === 'erase') this.#pending.forgetPerson(personId);
    await this.#record({
      kind,
      officer: active.officer,
      data: {
        personId,
        document: checked.document.type,
        // The person the log named for this document, gone from the hub: the log no longer names them.
        ...(personId === logged ? {} : { loggedPersonId: logged }),
      },
    });
    return { ok: true, station: this.view(), personId };
  }

  /**
   * A live face below the photo-vs-live threshold may still be enrolled when a second officer, present at
   * the desk, signs for it with their own id and PIN (never the signed-in officer): audited in the station
   * log with both officers and the score, and named again in the enrolment's record.
   */
  async overrideMismatch(request: KioskRequest<'enrolmentOverride'>): Promise<StationAnswer> {
    const active = await this.#active();
    if (!active.ok) return active;
    const enrolment = this.#enrolment;
    const overridable = enrolment?.overridable ?? null;
    if (enrolment === null || overridable === null) {
      return kioskFailure('enrolment_not_ready', 'no face mismatch to override');
    }
    if (request.officerId === active.officer) {
      return kioskFailure('second_officer_required', 'a second officer must sign the override');
    }
    const pin = this.#checkOfficerPin(request);
    if (!pin.ok) {
      if (pin.error.code === 'officer_pin_incorrect') {
        await this.#record({
          kind: 'officer.sign_in_refused',
          officer: active.officer,
          data: { attemptedOfficer: this.#knownOfficer(request.officerId) },
        });
      }
      return pin;
    }
    enrolment.person = overridable.person;
    enrolment.live = overridable.live;
    enrolment.guardian = overridable.guardian;
    enrolment.overridable = null;
    enrolment.view = {
      ...enrolment.view,
      step: 'pin',
      refusal: null,
      templates: enrolment.live.length,
      override: request.officerId,
    };
    await this.#record({
      kind: 'enrolment.override',
      officer: active.officer,
      data: {
        enrolment: enrolment.view.id,
        secondOfficer: request.officerId,
        photoScore: enrolment.view.photoMatch?.score ?? null,
        photoThreshold: enrolment.view.photoMatch?.threshold ?? null,
      },
    });
    return this.#answer();
  }

  async cancel(): Promise<StationAnswer> {
    const officer = await this.#active();
    if (!officer.ok) return officer;
    const cancelled = this.#enrolment;
    this.#enrolment = null;
    if (cancelled !== null) {
      this.#forgetSecrets(cancelled);
      await this.#dropUnanswered(cancelled.view.id);
    }
    return this.#answer();
  }

  /**
   * A child's consent the hub no longer takes: spent by the person an earlier try of this enrolment
   * created (erased since: its faces were refused or their answer lost), or lapsed. Not the end of the
   * enrolment: the guardian consents again, and the child's face is taken again after that (no guardian,
   * no biometrics kept); the document stays.
   */
  #consentAgain(enrolment: Enrolment): StationAnswer {
    enrolment.photo?.fill(0);
    enrolment.photo = null;
    enrolment.live.forEach((descriptor) => descriptor.fill(0));
    enrolment.live = [];
    enrolment.guardian = null;
    enrolment.overridable?.live.forEach((descriptor) => descriptor.fill(0));
    enrolment.overridable = null;
    // An override was signed for the faces taken before: the new ones are compared afresh.
    enrolment.view = {
      ...enrolment.view,
      step: 'guardian',
      guardian: null,
      photoMatch: null,
      templates: 0,
      override: null,
    };
    return kioskFailure(
      'guardian_consent_invalid',
      "the guardian's consent was used by an earlier try of this enrolment or has lapsed: the guardian " +
        "consents again, then the child's face is taken again",
    );
  }

  /**
   * POST /v1/persons, then the faces (copies: hub-link zeroes what it seals, and a refused PIN is chosen
   * again with the same faces). The person is created once: see #person.
   */
  async #enrolPerson(enrolment: Enrolment, attempt: PersonAttempt): Promise<EnrolAnswer> {
    // Copied before the first wait: a sign-out meanwhile zeroes the enrolment's faces, and what the officer
    // approved still completes. Zeroed however this ends, a throw included.
    const descriptors = enrolment.live.map((descriptor) => Float32Array.from(descriptor));
    try {
      const person = await this.#person(enrolment, attempt);
      if (!person.ok) return person;
      const modelId = this.#options.photoVsLive?.point.modelId ?? '';
      const added = await this.#options.hub.addFaces({
        person: person.value,
        modelId,
        descriptors,
      });
      // Stored: off the list before the enrolment is recorded complete (the caller), so neither a crash
      // nor the clean-up can then erase a person whose enrolment completed.
      if (added.ok) this.#pending.forgetPerson(person.value.id);
      // Refused faces: hub-link erased the person again (else it names them leftBehind, kept on the list).
      // The log says so, or the desk would find that person by the document and ask the hub about someone
      // it no longer has.
      if (!added.ok && !('leftBehind' in added)) {
        this.#pending.forgetPerson(person.value.id);
        await this.#recordErased(person.value.id, documentType(enrolment), 'faces_refused');
      }
      return added;
    } finally {
      descriptors.forEach((descriptor) => descriptor.fill(0));
    }
  }

  /** A person this enrolment's tries created and the station erased (the desk stops finding them). */
  async #recordErased(
    personId: string,
    document: PendingPerson['documentType'],
    reason: 'faces_refused' | 'left_behind',
  ): Promise<void> {
    await this.#record({
      kind: 'person.erased',
      officer: this.#officer,
      data: { personId, document, reason },
    });
  }

  /**
   * The person this try enrols. A person an earlier try of this account or document created and whose
   * enrolment did not complete (PendingPersons with their id: this enrolment's faces refused or their
   * answer lost and the erase unanswered, or another enrolment's left so) is erased first; a request sent
   * before for this account or document whose answer is still unknown (kept across a restart) is asked
   * again under its Idempotency-Key, and the person it created is this try's when this try is that very
   * request, else erased; only then is a new request sent. So a lost answer never leaves a person without
   * a face whom the station cannot find, nor a retry refused because that person holds the account.
   */
  async #person(enrolment: Enrolment, attempt: PersonAttempt): Promise<PersonAnswer> {
    const { hub } = this.#options;
    const documentHash = attempt.person.idDocument.numberHash;
    for (const [key, pending] of this.#pending.matching(attempt.person.accountId, documentHash)) {
      if (pending.personId !== null) {
        const cleared = await hub.eraseLeftBehind(pending.personId);
        if (!cleared.ok) return { ok: false, error: cleared.error };
        this.#pending.delete(key);
        await this.#recordErased(pending.personId, pending.documentType, 'left_behind');
        continue;
      }
      const earlier = await this.#askAgain(enrolment, { key, pending }, attempt);
      if (!earlier.ok) return earlier;
      if (earlier.value !== null) return { ok: true, value: earlier.value };
    }
    return this.#createPerson(enrolment, attempt);
  }

  /**
   * An earlier request asked again, byte for byte under its key. Still no answer: this try waits. Refused
   * with its stored answer replayed (refused then, or its person erased since): nobody to keep (null).
   * Refused otherwise: listed for the hub's admin and looked up by the document (#refusedAgain). Answered
   * with the person it created: recorded (the desk can find them), then theirs when this try is the same
   * request (same enrolment, fields and PIN), else erased (the officer corrected the name, another PIN was
   * typed, or a restart forgot the PIN) and forgotten only once the hub has erased them.
   */
  async #askAgain(
    enrolment: Enrolment,
    sent: { key: string; pending: PendingPerson },
    attempt: PersonAttempt,
  ): Promise<HubAnswer<PersonView | null>> {
    const { key, pending } = sent;
    // The hub no longer answers for it (listed for the admin): its person, if any, holds the account.
    if (pending.body === null) return this.#lookUpForTry(enrolment, sent);
    const resent = await this.#resend(sent);
    if (resent.kind === 'unknown') return resent.answer;
    if (resent.kind === 'refused') {
      // The same rule as a cancel's and the desk's. Listed (any refusal not replayed, whatever its code:
      // run again after the hub pruned the answer, or refused before it looked the key up), its person may
      // hold the account: looked up at once, so this try goes on when the lookup settles it, and a refusal
      // as enrolled then tells the officer the admin may have to erase that person (#explained).
      await this.#refusedAgain(sent, resent.replayed);
      return resent.replayed ? { ok: true, value: null } : this.#lookUpForTry(enrolment, sent);
    }
    const { person } = resent;
    const same = this.#pending.sameTry(key, { enrolment: enrolment.view.id, ...attempt });
    if (same) {
      this.#pending.created(key, person.id);
      return { ok: true, value: person };
    }
    const erased = await this.#eraseCreated(sent, person.id, 'earlier_try');
    return erased.ok ? { ok: true, value: null } : erased;
  }

  /**
   * The person an unanswered request created, erased and logged; the request forgotten only once the hub
   * erased them (until then the next try or the desk asks it again and finds them).
   */
  async #eraseCreated(
    sent: { key: string; pending: PendingPerson },
    personId: string,
    reason: 'earlier_try' | 'cancelled' | 'abandoned',
  ): Promise<HubAnswer<null>> {
    const erased = await this.#options.hub.erasePerson(personId);
    if (!erased.ok) return erased;
    this.#pending.delete(sent.key);
    const document = sent.pending.documentType;
    await this.#record({
      kind: 'person.erased',
      // The station's own act, whoever is signed in now.
      officer: reason === 'abandoned' ? null : this.#officer,
      data: { personId, document, reason },
    });
    return erased;
  }

  /**
   * A cancelled enrolment's unanswered requests, asked again: the person one created is erased (logged),
   * so a cancel leaves no person without a face on the hub. One whose outcome is still unknown stays for
   * the desk (found by the document) or a later try. A refusal is that request's fate only when the hub
   * replays it; one run again after the hub pruned its answer proves nothing (#refusedAgain). A person a
   * try created and could not erase (its faces refused or their answer lost) is erased too; unanswered, it
   * stays on the list for the clean-up tick.
   */
  async #dropUnanswered(enrolmentId: string): Promise<void> {
    for (const [key, pending] of this.#pending.ofEnrolment(enrolmentId)) {
      const sent = { key, pending };
      if (pending.personId !== null) {
        await this.#eraseCreated(sent, pending.personId, 'cancelled');
        continue;
      }
      if (pending.body === null) continue;
      const resent = await this.#resend(sent);
      if (resent.kind === 'refused') await this.#refusedAgain(sent, resent.replayed);
      if (resent.kind === 'created') await this.#eraseCreated(sent, resent.person.id, 'cancelled');
    }
  }

  /**
   * A request asked again and refused: dropped when the refusal is the hub's stored answer replayed (it
   * enrolled nobody); run again after the hub pruned that answer, the refusal says nothing of what the
   * request did, so it is listed for the hub's admin and its person looked up by the document (the
   * runtime's tick, #resolveForAdmin).
   */
  async #refusedAgain(
    sent: { key: string; pending: PendingPerson },
    replayed: boolean,
  ): Promise<void> {
    if (replayed) this.#pending.delete(sent.key);
    else await this.#forAdmin(sent);
  }

  /**
   * The runtime's tick, at start and then every stationAbandonedResolveEveryMs (sooner when the clock was
   * set back): the requests nobody works on are resolved, one officer's call at a time (exclusive), so an
   * officer's retry or desk check never asks the same request at once. The enrolment on the station is
   * left alone: its officer's next try asks its request again.
   */
  async #resolveAbandonedWhenDue(): Promise<void> {
    const now = this.#options.now();
    const last = this.#resolvedAtMs;
    const due = last === null || now < last || now - last >= stationAbandonedResolveEveryMs;
    if (!due || this.#busy) return;
    this.#busy = true;
    try {
      const before = this.#pending.forAdmin().length;
      const current = this.#enrolment?.view.id ?? null;
      let answered = true;
      // Persons created for an enrolment nobody finishes any more: some may have faces (an answer lost
      // after the hub stored them), payable by face, so they go first.
      const unfinished = this.#pending
        .unfinished(current)
        .slice(0, stationAbandonedResolveBatchMax);
      for (const [key, pending] of unfinished) {
        assert(pending.personId !== null, 'an unfinished entry names its person');
        const erased = await this.#eraseCreated({ key, pending }, pending.personId, 'abandoned');
        // No answer: the rest wait for the next round. A refusal keeps that entry and goes on.
        answered = erased.ok || !outcomeStillUnknown(erased.error);
        if (!answered) break;
      }
      const round = answered
        ? this.#pending.abandoned(current).slice(0, stationAbandonedResolveBatchMax)
        : [];
      for (const [key, pending] of round) {
        // The hub did not answer: the rest wait for the next round rather than each for a timeout.
        answered = await this.#resolveAbandoned({ key, pending });
        if (!answered) break;
      }
      if (answered) {
        const listed = this.#pending.forAdminByKey().slice(0, stationAbandonedResolveBatchMax);
        for (const [key, pending] of listed) {
          if ((await this.#resolveForAdmin({ key, pending })) === 'unanswered') break;
        }
      }
      this.#resolvedAtMs = this.#options.now();
      if (this.#pending.forAdmin().length !== before) this.#options.onChange(this.view());
    } finally {
      this.#busy = false;
    }
  }

  /**
   * One request nobody works on, asked again under its key. Answered with a person: that person never got
   * a face (the station never learned their id), so they are erased (logged, reason abandoned). Refused:
   * as on a cancel (#refusedAgain), dropped when the refusal is the hub's stored answer replayed (410
   * person_erased too), whatever its age; run again (its answer pruned: the hub's clock ahead, or its
   * stored answers lost) or refused before the hub looked the key up, it proves nothing, however young, and
   * is listed. False: no answer (unreachable, 5xx, rate limited), kept for the next round.
   */
  async #resolveAbandoned(sent: { key: string; pending: PendingPerson }): Promise<boolean> {
    const { pending } = sent;
    assert(pending.body !== null, 'a request the hub no longer answers for is not asked again');
    // The age decides only whether it is asked, never whether a refusal is believed (the replay says that).
    // Past stationAbandonedAnswerTrustedMs (six hours short of the hub's answer retention) its answer is
    // pruned or soon will be: asked, it would be run again (a days-old consent and sealed PIN enrolled
    // anew, only to be erased), and its name and sealed PIN kept on disk past the time the hub answers for
    // them. Listed at once instead. A negative age (the clock set back) or none known: asked.
    const ageMs = pending.sentAtMs === null ? null : this.#options.now() - pending.sentAtMs;
    if (ageMs !== null && ageMs >= stationAbandonedAnswerTrustedMs) {
      await this.#forAdmin(sent);
      return true;
    }
    // Recorded with no officer: the station's own act, whoever is signed in now.
    const resent = await this.#resend(sent, null);
    if (resent.kind === 'unknown') return false;
    if (resent.kind === 'refused') {
      await this.#refusedAgain(sent, resent.replayed);
      return true;
    }
    return (await this.#eraseCreated(sent, resent.person.id, 'abandoned')).ok;
  }

  /**
   * A request listed for the hub's admin (#forAdmin), looked up by its document (GET /v1/persons shows this
   * station's organisation only the persons it enrolled): a person without a face on its account is the one
   * that request created, never told to the station, and is erased (logged, reason abandoned); a person with
   * faces holds the document, so the request created nobody; nobody: it created nobody, or the admin erased
   * them (unless the station's client may have changed since: refusedNotReplayed). Either way it is off the
   * list (logged). A faceless person created after the request was sent (#createdInTime) is another
   * enrolment's under way, spared: the request stays listed (logged). An enrolment on the station for that
   * account or document is its officer's: its own person, between the request and the faces, has no face
   * yet. Unanswered (unreachable, a hub without the lookup): kept for the next round and the admin.
   */
  async #resolveForAdmin(sent: { key: string; pending: PendingPerson }): Promise<LookedUp> {
    const current = this.#enrolment;
    const onStation =
      current !== null &&
      (current.view.accountId === sent.pending.accountId ||
        current.person?.numberHash === sent.pending.documentHash);
    return onStation ? 'listed' : this.#lookUpListed(sent);
  }

  /**
   * A listed request of the account or document this try enrols, looked up now (#lookUpListed), so the try
   * goes on at once when that request's person had no face. Unsettled, a refusal as enrolled says why
   * (#explained): a person spared holds this very account and document (the hub enrols one person on
   * each), so another enrolment holds them, whatever else is unsettled; otherwise (no answer, or nobody
   * found where that proves nothing) that request may have created the person holding them, whom only the
   * hub's admin can erase.
   */
  async #lookUpForTry(
    enrolment: Enrolment,
    sent: { key: string; pending: PendingPerson },
  ): Promise<HubAnswer<null>> {
    const looked = await this.#lookUpListed(sent);
    if (looked === 'spared') enrolment.unsettled = 'enrolled_elsewhere';
    else if (looked !== 'settled') enrolment.unsettled ??= 'earlier_try_unresolved';
    return { ok: true, value: null };
  }

  /**
   * A listed request's person, looked up by the document and dealt with as #resolveForAdmin says; an erase
   * the hub did not answer is unanswered too (the entry stays listed).
   */
  async #lookUpListed(sent: { key: string; pending: PendingPerson }): Promise<LookedUp> {
    const { key, pending } = sent;
    const found = await this.#options.hub.personWithDocument(pending.documentHash);
    if (!found.ok) return 'unanswered';
    const person = found.value;
    if (person !== null && person.templates === 0 && person.accountId === pending.accountId) {
      if (!createdInTime(pending, person)) {
        await this.#spared(sent, person);
        return 'spared';
      }
      await this.#recordCreated(pending, person.id, null);
      const erased = await this.#eraseCreated(sent, person.id, 'abandoned');
      return erased.ok ? 'settled' : 'unanswered';
    }
    // Asked again, it was refused by the hub's client checks (401, 403: refusedNotReplayed), so the station's
    // client may have changed since it was sent, and the lookup shows only the persons this client enrolled:
    // finding nobody proves nothing. Left listed for the hub's admin.
    if (person === null && pending.refusedNotReplayed) return 'listed';
    this.#pending.delete(key);
    await this.#record({
      kind: 'enrolment.admin_erase_resolved',
      officer: null,
      data: { ...listedRequest(pending), found: person === null ? 'nobody' : 'enrolled' },
    });
    return 'settled';
  }

  /**
   * A faceless person on a listed request's account whom that request cannot have created: never erased by
   * the station. The request stays listed for the hub's admin, and the next rounds look again: once that
   * person has faces (their enrolment done) or is gone, the request is settled. Logged once a run, with
   * both times, so the admin sees why the list did not empty.
   */
  async #spared(sent: { key: string; pending: PendingPerson }, person: PersonView): Promise<void> {
    const seen = `${sent.key} ${person.id}`;
    if (this.#sparedLogged.has(seen)) return;
    this.#sparedLogged.add(seen);
    await this.#record({
      kind: 'enrolment.admin_erase_spared',
      officer: null,
      data: {
        ...listedRequest(sent.pending),
        personId: person.id,
        personCreatedAt: person.createdAt,
        requestSentNoLaterThan: new Date(sent.pending.sentNoLaterThanMs).toISOString(),
        requestSentAtKnown: sent.pending.sentAtMs !== null,
      },
    });
  }

  /**
   * A request the hub no longer answers for (its stored answers are pruned): its person, if the hub created
   * one, can be found and erased only by the hub's admin. The name, date of birth, sealed PIN and consent
   * token are dropped; the desk screen lists the account and document hash for the admin (logged).
   */
  async #forAdmin(sent: { key: string; pending: PendingPerson }): Promise<void> {
    const { key, pending } = sent;
    this.#pending.dropPersonalData(key);
    await this.#record({
      kind: 'enrolment.admin_erase_needed',
      officer: null,
      data: {
        ...listedRequest(pending),
        sentAt: pending.sentAtMs === null ? null : new Date(pending.sentAtMs).toISOString(),
      },
    });
  }

  /**
   * A new request under a new Idempotency-Key, written to disk (flushed) before it is sent, and kept
   * there until its answer is known: a lost answer, a 5xx, or a restart meanwhile leaves it for #askAgain.
   */
  async #createPerson(enrolment: Enrolment, attempt: PersonAttempt): Promise<PersonAnswer> {
    const { hub } = this.#options;
    const sealed = await hub.sealPerson(attempt.person, attempt.pin);
    if (!sealed.ok) return sealed;
    const key = `enrol-${randomUUID()}`;
    const sentAtMs = this.#options.now();
    const pending: PendingPerson = {
      enrolment: enrolment.view.id,
      accountId: attempt.person.accountId,
      documentHash: attempt.person.idDocument.numberHash,
      documentType: attempt.person.idDocument.type,
      sentAtMs,
      sentNoLaterThanMs: sentAtMs,
      refusedNotReplayed: false,
      body: sealed.value,
      personId: null,
    };
    this.#pending.add(key, pending, attempt.pin);
    const created = await hub.createPerson(sealed.value, key);
    if (!created.ok) {
      if (!outcomeStillUnknown(created.error)) this.#pending.delete(key);
      return created;
    }
    await this.#recordCreated(pending, created.value.id);
    // Written before the faces are sent: a restart meanwhile leaves the clean-up a person to erase.
    this.#pending.created(key, created.value.id);
    return created;
  }

  /**
   * The hub enrolled this account and document just now, and it enrols one person on each: a request the
   * hub no longer answered for, on either, left nobody (or the admin erased them). Off the desk's list.
   */
  #forgetAdminErased(accountId: string, documentHash: string): void {
    for (const [key, pending] of this.#pending.matching(accountId, documentHash)) {
      if (pending.body === null && pending.personId === null) this.#pending.delete(key);
    }
  }

  /**
   * The person an unanswered POST /v1/persons with this document created (the station stopped, or the
   * officer cancelled, before a retry asked again): asked again under its key, so the desk finds them by
   * the document (and logs them); null when it created nobody (or, refused after the hub pruned its answer,
   * when that is left to the lookup of #refusedAgain). Its outcome still unknown: hub_unreachable.
   */
  async #unansweredPerson(documentHash: string): Promise<HubAnswer<string | null>> {
    for (const [key, pending] of this.#pending.forDocument(documentHash)) {
      if (pending.body === null) continue;
      const resent = await this.#resend({ key, pending });
      if (resent.kind === 'unknown') return resent.answer;
      if (resent.kind === 'refused') {
        await this.#refusedAgain({ key, pending }, resent.replayed);
        continue;
      }
      // Kept with their id until they are erased (the desk, the clean-up tick): they have no face.
      this.#pending.created(key, resent.person.id);
      return { ok: true, value: resent.person.id };
    }
    return { ok: true, value: null };
  }

  /**
   * An unanswered POST /v1/persons sent again, byte for byte under its Idempotency-Key: the hub replays its
   * stored answer. A person it created is recorded at once (the desk finds them by the document), by
   * `officer` (the signed-in one when not given, read once the answer is in); what else follows is the
   * caller's. Unknown: no answer yet (unreachable, 5xx, rate limited, the connection refused), never taken
   * for a refusal; one that was a refusal run again is marked on the entry (refusedNotReplayed) before the
   * next ask, so the hub's replay of that refusal is not taken for the first request's.
   */
  async #resend(
    sent: { key: string; pending: PendingPerson },
    officer?: string | null,
  ): Promise<Resent> {
    const { key, pending } = sent;
    assert(pending.body !== null, 'a request the hub no longer answers for is not sent again');
    const answer = await this.#options.hub.createPerson(pending.body, key, {
      askingAgain: true,
      replayProvesNothing: pending.refusedNotReplayed,
    });
    if (!answer.ok) {
      if (answer.refusedRunAgain === true) this.#pending.markRefusedNotReplayed(key);
      if (outcomeStillUnknown(answer.error))
        return { kind: 'unknown', answer: { ok: false, error: answer.error } };
      return { kind: 'refused', error: answer.error, replayed: answer.replayed === true };
    }
    await this.#recordCreated(pending, answer.value.id, officer);
    return { kind: 'created', person: answer.value };
  }

  /**
   * Recorded before the faces are sent: a cancel, a lock or a restart forgets the enrolment, and the desk
   * must still find (and erase) by their document a person the hub created.
   */
  async #recordCreated(
    pending: PendingPerson,
    personId: string,
    officer = this.#officer,
  ): Promise<void> {
    await this.#record({
      kind: 'enrolment.person_created',
      officer,
      data: {
        enrolment: pending.enrolment,
        personId,
        accountId: pending.accountId,
        documentHash: pending.documentHash,
      },
    });
  }

  /** An unknown id costs the same Argon2id work as a known one with a wrong PIN. */
  #officerPinMatches(officerId: string, pin: string): boolean {
    const officer = this.#config.officers.find((known) => known.id === officerId);
    const verifier = officer?.pinVerifier ?? this.#config.officers[0]?.pinVerifier ?? '';
    return officerPinMatches(pin, verifier) && officer !== undefined;
  }

  /**
   * The id typed, for the station log, when it is a configured officer's; null otherwise: what was typed
   * in the id field is not logged (it may be a PIN typed in the wrong field).
   */
  #knownOfficer(officerId: string): string | null {
    return this.#signInOf.has(officerId) ? officerId : null;
  }

  /**
   * An officer's id and PIN against the station's lock and that officer's: refused while either is locked,
   * counted in both when wrong (the station's alone for an id no officer has), and the right PIN starts over
   * only the station's count and that officer's own.
   */
  #checkOfficerPin(request: { officerId: string; pin: string }): KioskResult<object> {
    const own = this.#signInOf.get(request.officerId);
    const lockedMs = Math.max(this.#signIn.lockedForMs(), own?.lockedForMs() ?? 0);
    if (lockedMs > 0) {
      const lockedMinutes = Math.ceil(lockedMs / 60_000);
      return kioskFailure(
        'officer_locked',
        `too many wrong officer PINs; try again in ${lockedMinutes} min`,
        { lockedMinutes },
      );
    }
    if (!this.#officerPinMatches(request.officerId, request.pin)) {
      try {
        this.#signIn.wrong();
      } finally {
        own?.wrong();
      }
      return kioskFailure('officer_pin_incorrect', 'wrong officer id or PIN');
    }
    assert(own !== undefined, "a PIN that matched is a configured officer's");
    this.#signIn.right();
    own.right();
    return { ok: true };
  }

  #begin(accountId: string, type: string): Enrolment {
    if (this.#enrolment !== null) this.#forgetSecrets(this.#enrolment);
    const enrolment: Enrolment = {
      view: {
        id: `enr_${randomBytes(8).toString('hex')}`,
        step: 'document',
        accountId,
        documentType: type,
        child: false,
        guardian: null,
        photoMatch: null,
        templates: 0,
        person: null,
        refusal: null,
        override: null,
      },
      person: null,
      photo: null,
      live: [],
      guardian: null,
      unsettled: null,
      overridable: null,
    };
    this.#enrolment = enrolment;
    return enrolment;
  }

  /**
   * While the hub link last heard the hub refuse this station's credentials (HubLink.credentialsRefused),
   * the hub is asked again (connect): an admin may have restored the station since the last round. An
   * answer that accepts the station, or none (out of reach is not a refusal), clears the refusal.
   */
  async #askAgainIfRefused(): Promise<void> {
    const { hub } = this.#options;
    if (hub.credentialsRefused !== null) await hub.connect();
  }

  /** The hub's refusal of this station's credentials, as the link holds it now, as the officer's error. */
  #credentialsRefusal(): KioskError | null {
    const refused = this.#options.hub.credentialsRefused;
    if (refused === null) return null;
    return {
      code: 'hub_refused',
      message: `the hub refuses this station's credentials: ${refused.status} ${refused.code}`,
      hubCode: refused.code,
      hubStatus: refused.status,
      credentialsRefused: refused,
    };
  }

  /**
   * A hub call's failure with the hub's refusal of this station's credentials beside it, when that refusal
   * is why (the link noted it from this very answer, or found it connecting first): the screens then say
   * the station must be provisioned again, not that the network or the account is at fault.
   */
  #withCredentials(error: KioskError): KioskError {
    const refused = this.#options.hub.credentialsRefused;
    if (refused === null) return error;
    const byIt =
      error.code === 'hub_unreachable' ||
      (error.code === 'hub_refused' && error.hubCode === refused.code);
    return byIt ? { ...error, credentialsRefused: refused } : error;
  }

  /** The officer is signed in (and the station not idle-locked): the call counts as activity. */
  async #active(): Promise<{ ok: true; officer: string } | { ok: false; error: KioskError }> {
    await this.#lockIfIdle();
    const officer = this.#officer;
    if (officer === null) return kioskFailure('officer_signed_out', 'an officer must sign in');
    this.#lastActivityElapsedMs = elapsedMs();
    return { ok: true, officer };
  }

  async #at(
    step: EnrolmentView['step'],
  ): Promise<
    | { ok: true; value: { enrolment: Enrolment; gate: PhotoVsLiveGate } }
    | { ok: false; error: KioskError }
  > {
    const officer = await this.#active();
    if (!officer.ok) return officer;
    const gate = this.#options.photoVsLive;
    if (gate === null) {
      return kioskFailure('no_photo_calibration', 'no calibrated photo-vs-live threshold');
    }
    const enrolment = this.#enrolment;
    if (enrolment === null || enrolment.view.step !== step) {
      return kioskFailure('enrolment_not_ready', `no enrolment waiting for ${step}`);
    }
    return { ok: true, value: { enrolment, gate } };
  }

  /**
   * already_enrolled after a try whose answer was lost, that request no longer answered under its key (the
   * hub prunes stored answers after 48 h) and its person not settled by the lookup (#lookUpForTry): said
   * why, with the reason the screen words in the officer's language, as a bare "already enrolled" left the
   * officer no way on. An earlier try may have enrolled the person (without a face) and only the hub's admin
   * can erase them; or a faceless person created after that try holds the account: another station
   * enrolling them now (it gives them faces in a moment) or since, whom no admin should erase for this.
   */
  #explained(enrolment: Enrolment, error: KioskError): KioskError {
    const reason = enrolment.unsettled;
    if (error.code !== 'already_enrolled' || reason === null) return error;
    return { ...error, message: unsettledMessages[reason], enrolmentReason: reason };
  }

  async #refuse(
    enrolment: Enrolment,
    kind: StationLogEntry['kind'],
    error: KioskError,
  ): Promise<StationAnswer> {
    enrolment.view = {
      ...enrolment.view,
      step: 'refused',
      refusal: {
        code: error.enrolmentReason ?? error.documentCode ?? error.code,
        message: error.message,
      },
    };
    this.#forgetSecrets(enrolment);
    await this.#record({
      kind,
      officer: this.#officer,
      data: {
        enrolment: enrolment.view.id,
        accountId: enrolment.view.accountId,
        document: enrolment.view.documentType,
        code: error.code,
        reason: error.documentCode ?? error.enrolmentReason ?? null,
        photoScore: enrolment.view.photoMatch?.score ?? null,
      },
    });
    return { ok: false, error };
  }

  #forgetSecrets(enrolment: Enrolment): void {
    enrolment.overridable?.live.forEach((descriptor) => descriptor.fill(0));
    enrolment.overridable = null;
    enrolment.photo?.fill(0);
    enrolment.photo = null;
    enrolment.live.forEach((descriptor) => descriptor.fill(0));
    enrolment.live = [];
    enrolment.person = null;
    enrolment.guardian = null;
  }

  #lock(): void {
    if (this.#enrolment !== null) this.#forgetSecrets(this.#enrolment);
    this.#enrolment = null;
    this.#officer = null;
  }

  /**
   * The keyed hash the hub stores instead of the number (HMAC-SHA256 under the organisation's key, over
   * the type and the normalised number): equal documents give equal hashes at every station of the key.
   */
  #numberHash(type: string, number: string): string {
    const key = Buffer.from(this.#config.documentHashKey, 'base64');
    const mac = createHmac('sha256', key).update(`${type}:${normaliseDocumentNumber(number)}`);
    key.fill(0);
    return mac.digest('base64url');
  }

  #answer(): StationAnswer {
    return { ok: true, station: this.view() };
  }

  async #record(entry: Omit<StationLogEntry, 'at'>): Promise<void> {
    await this.#options.log.append({ at: new Date(this.#options.now()).toISOString(), ...entry });
  }
}

/**
 * Whom an erasure would erase, as the hub names them (the station's log keeps no name or member number,
 * only ids and the document hash); null: the hub names nobody for the document (the screen shows the id).
 */
function toErase(person: PersonView | null): PersonToErase | null {
  if (person === null) return null;
  const { displayNameMasked, memberNumber } = person;
  return { displayNameMasked, memberNumber };
}

function documentType(enrolment: Enrolment) {
  const type = enrolment.view.documentType;
  assert(
    type === 'my_number_card' ||
      type === 'drivers_licence' ||
      type === 'passport' ||
      type === 'residence_card',
    'a checked document has a known type',
  );
  return type;
}

/**
 * A document the station's check refused: the reason, the MRZ's disagreeing fields and its check digits that
 * do not check, where it names them.
 */
function documentRefused(error: Extract<IdDocumentCheck, { ok: false }>['error']): KioskError {
  return {
    code: 'document_refused',
    message: error.message,
    documentCode: error.code,
    ...(error.mrzMismatches === undefined ? {} : { mrzMismatches: error.mrzMismatches }),
    ...(error.mrzCheckDigits === undefined ? {} : { mrzCheckDigits: error.mrzCheckDigits }),
  };
}

/** The station's local calendar date (YYYY-MM-DD): a document is valid through its expiry day. */
function localDate(nowMs: number): string {
  const date = new Date(nowMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * Whether the hub can have created `person` for this request: at most stationLookupCreatedAfterSentMsMax
 * (the hub's clock) after the station sent it (its clock); the limit says why that holds whatever the two
 * clocks' difference. A time the hub did not give as a date is never in time: the person is spared.
 */
function createdInTime(pending: PendingPerson, person: PersonView): boolean {
  const createdAtMs = Date.parse(person.createdAt);
  const latestMs = pending.sentNoLaterThanMs + stationLookupCreatedAfterSentMsMax;
  return Number.isFinite(createdAtMs) && createdAtMs <= latestMs;
}

/** The service's own words (English, for logs; the screen words the reason itself) for each #explained reason. */
const unsettledMessages: Record<EnrolmentRefusalReason, string> = {
  earlier_try_unresolved:
    'an earlier try of this enrolment whose answer was lost may have enrolled this person (without a ' +
    "face): the hub's admin must erase that enrolment before this person can be enrolled again",
  enrolled_elsewhere:
    'this person was enrolled on this account after an earlier try of this station whose answer was ' +
    'lost: another station may be enrolling them right now; wait a few minutes and try again, or ask ' +
    "the hub's admin",
};

/** A request whose answer may still come: asked again under its key, never taken for a refusal. */
function outcomeStillUnknown(error: KioskError): boolean {
  return error.code === 'hub_unreachable' || error.code === 'rate_limited';
}
