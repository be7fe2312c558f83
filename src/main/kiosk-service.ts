// The kiosk service: one payment at a time, from the amount (till or operator) through face, PIN and
// the hub's hold to the receipt; in clinic mode the same flow checks a patient in (a clinic_visit hold
// for the cap) and follows the visit until the clinic's event settles it; in enrolment mode its calls go to
// the enrolment station (enrolment-station.ts). Calls arrive validated; answers are values.
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { assert } from '../shared/assert.ts';
import type { HoldView } from '../shared/hub-api.ts';
import type {
  CredentialsRefused,
  HubRefusal,
  KioskError,
  KioskEvent,
  KioskHandlers,
  KioskRequest,
  KioskResult,
  KioskStatus,
  PaymentView,
} from '../shared/kiosk-api.ts';
import { isFinalRefusal, kioskFailure } from '../shared/kiosk-api.ts';
import {
  clinicBoardHubErrorsInARowMax,
  clinicOpenHoldsReadMax,
  clinicVisitsRememberedMax,
  faceLooksFailedInARowMax,
  faceTriesPerPaymentMax,
  hubOutOfReachRefusedAfterMs,
  hubRefusalMessageCharsMax,
  kioskPaymentIdleMsMax,
  kioskPaymentsRememberedMax,
  lostHoldAnswerTrustedMs,
  lostHoldKeysSinceMarginMs,
  lostHoldRefusalsShownToStaff,
} from '../shared/limits.ts';
import { parseVisitReference, visitFromHold, visitReference, VisitBoard } from './clinic-visits.ts';
import type { PhotoVsLiveGate } from './enrolment-station.ts';
import { EnrolmentStation } from './enrolment-station.ts';
import { FaceCheckPause } from './face-check-pause.ts';
import { KioskAlertsOutbox } from './kiosk-alerts-outbox.ts';
import type { HubAnswer, HubLink, SentHold } from './hub-link.ts';
import type { KioskConfig } from './kiosk-config.ts';
import { payeeOf } from './kiosk-config.ts';
import { elapsedMs } from './monotonic-clock.ts';
import { OperatorAccess } from './operator-access.ts';
import { TillRequests } from './till-requests.ts';
import { PendingHolds, senderOfToken, type PendingHold } from './pending-holds.ts';
import type { StationLog } from './station-log.ts';
import { reopenStateFolders } from './state-file.ts';

interface Payment {
  view: PaymentView;
  /** Secrets of the payment: never in the view, never logged. */
  personId: string | null;
  payer: string | null;
  authorization: string | null;
  /**
   * The elapsed clock (not the wall clock) at the last call or change: a clock set back would keep an
   * abandoned payment open on the screen for hours, one set forward would cancel it under the shopper.
   */
  lastActivityElapsedMs: number;
  /**
   * A hub call for this payment is in flight: checking (identify, PIN), during which a second call is
   * refused but a cancel is not; or paying (the hold request sent), when nothing may close it but the answer.
   */
  busy: 'checking' | 'paying' | null;
  /**
   * How many of its hold requests were answered 429 (each kept for reconcile): the next one goes out under a
   * key of its own (#holdKey), with a new identification and authorization, as a new attempt at the payment.
   */
  attemptsRefused: number;
  /**
   * One of its hold requests was answered 429 after it went out (kept for reconcile): a gateway may have
   * forwarded it, so no later refusal of the payment says that no money was taken (view.holdRequestSent).
   */
  throttledHoldSent: boolean;
}

export interface TillPaymentRequest {
  amount: number;
  reference: string;
  category?: string | undefined;
}

/**
 * Why the kiosk takes no payment now: the hub refuses its credentials (with the hub's status and code), or
 * it has been out of reach for hubOutOfReachRefusedAfterMs.
 */
export type NotTakingPayments =
  | { reason: 'credentials_refused'; hub: CredentialsRefused }
  | { reason: 'hub_unreachable'; hub: null };

export type TillAnswer =
  /** replayed: the payment an earlier request under the same Idempotency-Key opened, as it is now. */
  | { ok: true; payment: PaymentView; replayed: boolean }
  | {
      ok: false;
      status: 409;
      code: 'kiosk_busy' | 'wrong_mode' | 'idempotency_key_reused';
      message: string;
    }
  /** The request could not be written down (a full disk): no payment was opened for the till. */
  | { ok: false; status: 500; code: 'internal'; message: string }
  | {
      ok: false;
      status: 503;
      code: 'not_taking_payments';
      message: string;
      notTaking: NotTakingPayments;
    };

export interface KioskServiceOptions {
  config: KioskConfig;
  hub: HubLink;
  modelId: string | null;
  /**
   * The wall clock (default Date.now), for what must agree with people and the hub or outlast a restart:
   * a payment's default reference and a clinic's day of queue numbers (shown, sent to the hub), a lost hold
   * request's sentAtMs (kept in pending-holds.json, compared with the hub's retention), the operator screen's end
   * (OperatorAccess, which also counts elapsed time). The idle timers count elapsed time instead (performance.now: a payment's
   * lastActivityElapsedMs, the station's idle lock, PIN locks), blind to a clock set back or forward.
   */
  now?: () => number;
  /**
   * The elapsed clock reconcile's wait counts (default elapsedMs): a lost hold request is asked again only
   * once its authorization's lifetime has passed on it (PendingHolds), whatever the wall clock says. Tests
   * on a real hub pass one that moves with their hub's clock.
   */
  elapsed?: () => number;
  onOperatorExit?: () => void;
  /**
   * Where lost hold requests are kept until reconciled (the runtime: beside the device keys), so a restart
   * does not forget money the hub may have taken; absent, they are kept in memory only.
   */
  pendingHoldsFile?: string;
  /** Where the till's payment requests are kept across restarts (till-requests.ts); absent: in memory only. */
  tillRequestsFile?: string;
  /**
   * Where the operator PIN's lock is kept (the runtime: beside the device keys), so restarting the kiosk
   * gives no new guesses; absent, in memory only.
   */
  operatorLockFile?: string;
  /**
   * Where the failed face looks in a row and the face-check pause are kept (the runtime: beside the device
   * keys), so a restart gives a replayed recording no fresh draws; absent, in memory only.
   */
  faceCheckPauseFile?: string;
  /**
   * Where the alerts for the hub (face checks paused, resumed) wait until it has them (the runtime: beside
   * the device keys), so a crash or a hub out of reach delays them but loses none; absent, in memory only.
   */
  kioskAlertsFile?: string;
  /**
   * Enrolment mode: the station's log, its photo-vs-live gate (null: not calibrated), and where the
   * officers' PIN lock is kept (absent: in memory only).
   */
  station?: { log: StationLog; photoVsLive: PhotoVsLiveGate | null; signInLockFile?: string };
}

export class KioskService {
  readonly #config: KioskConfig;
  readonly #hub: HubLink;
  readonly #modelId: string | null;
  readonly #now: () => number;
  readonly #elapsed: () => number;
  readonly #onOperatorExit: () => void;
  readonly #listeners = new Set<(event: KioskEvent) => void>();
  /** Every payment this run has seen, oldest first, for the till to read back. */
  readonly #payments = new Map<string, Payment>();
  /**
   * The till's payment requests, each with its Idempotency-Key and the request it came with, kept across
   * restarts: a till that lost the 201, or the kiosk's restart, asks again and reads its payment.
   */
  readonly #tillRequests: TillRequests;
  /**
   * Paid purchases whose till record could not be written paid (a full disk): their lost-hold entries stay
   * until it is (reconcile writes it again each round), and reconcile never asks the hub about them.
   */
  readonly #paidUnwritten = new Set<string>();
  #current: Payment | null = null;
  #hubState: 'reachable' | 'unreachable' = 'unreachable';
  /**
   * Since when (the elapsed clock) the hub has not answered, while it does not (not while it refuses the
   * kiosk): from the start until the first round finds it, as a kiosk that never reached it knows no better.
   */
  #outOfReachSinceElapsedMs: number | null;
  /** The board's refreshes in a row answered by the hub's own 5xx (#pollFailed); a read answered resets it. */
  #boardHubErrorsInARow = 0;
  /** Why the hub is not ready although it answers: it refuses this kiosk (the runtime's round says). */
  #credentialsRefused: CredentialsRefused | null = null;
  /**
   * Payments whose hold request went out and whose answer never came, with the request as sent: asked
   * again once the hub is back and the authorization it carried has expired (reconcile).
   */
  readonly #unknownOutcome: PendingHolds;
  /**
   * The lost requests the hub refused to look up, release or refund (#noteRefusal): how many times, and the
   * hub's last refusal. In memory only: a restart asks again and learns it again in two rounds.
   */
  readonly #refusals = new Map<string, { times: number; refusal: HubRefusal }>();
  /** This run's hub client as pending-holds.json records it (senderOfToken of the config's hubToken). */
  readonly #sender: string;
  readonly #operator: OperatorAccess;
  /** Failed face looks in a row across payments; past the limit, no face is read until staff resume. */
  /** The end of the last turn at the clinic's visits (#inVisitsTurn). */
  #visitsTurn: Promise<unknown> = Promise.resolve();
  readonly #facePause: FaceCheckPause;
  /** The pause and its end as the hub hears of them (kiosk-alerts-outbox.ts). */
  readonly #alerts: KioskAlertsOutbox;
  /** Clinic mode only: today's visits; `resumed` once the hub has told what this kiosk placed before a restart. */
  readonly #visits: { board: VisitBoard; resumed: boolean } | null;
  /** Enrolment mode only. */
  readonly #station: EnrolmentStation | null;
  readonly handlers: KioskHandlers;

  constructor(options: KioskServiceOptions) {
    // Its state files' folders writable again (a kiosk closed before on them in this process: closeStateFolders).
    reopenStateFolders(
      [
        options.pendingHoldsFile,
        options.tillRequestsFile,
        options.operatorLockFile,
        options.faceCheckPauseFile,
        options.kioskAlertsFile,
        options.station?.signInLockFile,
      ].flatMap((file) => (file === undefined ? [] : [dirname(file)])),
    );
    this.#config = options.config;
    this.#operator = new OperatorAccess(
      options.config.operatorPin,
      options.operatorLockFile ?? null,
    );
    this.#facePause = new FaceCheckPause(options.faceCheckPauseFile ?? null);
    this.#hub = options.hub;
    this.#alerts = new KioskAlertsOutbox({
      file: options.kioskAlertsFile ?? null,
      send: (alert) => this.#hub.sendKioskAlert(alert),
    });
    // A pause or resume whose alert did not reach the outbox's file before the last stop (the runtime's
    // first round sends it).
    this.#handOverAlerts();
    this.#sender = senderOfToken(options.config.hubToken);
    this.#modelId = options.modelId;
    this.#now = options.now ?? Date.now;
    this.#elapsed = options.elapsed ?? elapsedMs;
    this.#outOfReachSinceElapsedMs = this.#elapsed();
    this.#onOperatorExit = options.onOperatorExit ?? (() => {});
    this.#unknownOutcome = new PendingHolds(options.pendingHoldsFile ?? null, this.#elapsed);
    this.#tillRequests = new TillRequests(options.tillRequestsFile ?? null);
    // Paid at the hub and written so, stopped before the lost-hold entry went: it is not lost, and must not
    // be refunded (#sendHold writes the till's record first).
    for (const [paymentId] of this.#unknownOutcome.entries()) {
      if (this.#tillRequests.view(paymentId)?.state === 'paid')
        this.#unknownOutcome.delete(paymentId);
    }
    assert(this.#config.mode !== 'clinic' || this.#config.clinic !== undefined, 'a clinic config');
    assert(
      (this.#config.mode === 'enrolment') === (options.station !== undefined),
      'an enrolment station, and only there, has a station log and gate',
    );
    this.#visits =
      this.#config.mode === 'clinic'
        ? { board: new VisitBoard(this.#config.kioskId), resumed: false }
        : null;
    this.#station =
      options.station === undefined
        ? null
        : new EnrolmentStation({
            config: this.#config,
            hub: this.#hub,
            log: options.station.log,
            photoVsLive: options.station.photoVsLive,
            signInLockFile: options.station.signInLockFile ?? null,
            now: this.#now,
            onChange: (station) => this.#emit({ type: 'station', station }),
          });
    // Every officer's call but reading the station and signing out runs alone (EnrolmentStation.exclusive).
    const station = async <R>(call: (station: EnrolmentStation) => Promise<R>, alone = true) => {
      const at = this.#station;
      if (at === null) return kioskFailure('wrong_mode', 'this kiosk is not an enrolment station');
      const answer = await (alone ? at.exclusive(() => call(at)) : call(at));
      this.#noteStationCredentialsRefused();
      return answer;
    };
    this.handlers = {
      status: async () => ({ ok: true, status: this.status() }),
      startPayment: (request) => this.#startFromOperator(request),
      currentPayment: async () => ({ ok: true, payment: this.#currentView() }),
      identify: (request) => this.#identify(request),
      confirm: (request) => this.#confirm(request),
      payWithMemberPin: (request) => this.#payWithMemberPin(request),
      cancel: async (request) => this.#cancel(request.paymentId),
      notMe: async (request) => this.#notMe(request.paymentId),
      reportFaceRefused: async (request) => this.#faceRefused(request.paymentId),
      startCheckIn: async () => this.#startCheckIn(),
      clinicVisits: async () => ({ ok: true, visits: this.#visits?.board.list() ?? [] }),
      operatorUnlock: async (request) => this.#operator.unlock(request.pin, this.#now()),
      operatorExit: async () => this.#operatorExit(),
      operatorClearPaymentToCheck: async (request) => this.#clearPaymentToCheck(request.paymentId),
      operatorResumeFaceChecks: async () => this.#resumeFaceChecks(),
      reportCameraProblem: async () => ({ ok: true, recorded: true }),
      officerSignIn: (request) => station((s) => s.signIn(request)),
      // Never refused: an officer who leaves must be signed out (a running enrolment still completes).
      officerSignOut: () => station((s) => s.signOut(), false),
      station: () => station((s) => s.station(), false),
      enrolmentDocument: (request) => station((s) => s.document(request)),
      enrolmentGuardian: (request) =>
        wipedAfter([request.descriptor], () => station((s) => s.guardian(request))),
      enrolmentIdPhoto: (request) =>
        wipedAfter([request.descriptor], () => station((s) => s.idPhoto(request))),
      enrolmentLiveFace: (request) =>
        wipedAfter(request.descriptors, () => station((s) => s.liveFace(request))),
      enrolmentFinish: (request) => station((s) => s.finish(request)),
      enrolmentCancel: () => station((s) => s.cancel()),
      enrolmentOverride: (request) => station((s) => s.overrideMismatch(request)),
      personErase: (request) => station((s) => s.personAction('erase', request)),
      personUnlockPin: (request) => station((s) => s.personAction('unlock_pin', request)),
    };
  }

  subscribe(listener: (event: KioskEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  status(): KioskStatus {
    return {
      shopName: this.#config.shopName,
      payee: this.#config.payee ?? null,
      mode: this.#config.mode,
      clinic:
        this.#config.clinic === undefined
          ? null
          : {
              cap: this.#config.clinic.cap,
              noShowAfterSeconds: this.#config.clinic.noShowAfterSeconds,
            },
      hub: this.#hubState,
      credentialsRefused: this.#credentialsRefused,
      lostPaymentsWaiting: this.#lostPaymentsWaiting(),
      modelId: this.#modelId,
      livenessPolicy: this.#config.livenessPolicy,
      challengeKinds: this.#config.challengeKinds,
      defaultLanguage: this.#config.defaultLanguage,
      payment: this.#currentView(),
      station: this.#station?.view() ?? null,
      faceChecksPaused: this.#facePause.paused,
      paymentsToCheck: this.#paymentsToCheck(),
    };
  }

  /** The alerts the hub has not had yet, sent in order (the runtime's round, and at once when made). */
  deliverAlerts(): Promise<void> {
    return this.#alerts.deliver();
  }

  /**
   * The runtime closing: no alert is sent after the one in flight, whose answer this waits for (the link
   * and the signing key are disposed next; an alert signed after that would be refused). The rest wait in
   * the outbox's file for the next start.
   */
  stopDeliveringAlerts(): Promise<void> {
    return this.#alerts.stop();
  }

  /** Enrolment mode: the runtime's timer locks an idle station. */
  async lockIdleStation(): Promise<void> {
    await this.#station?.lockIfIdle();
  }

  /**
   * The runtime's health round found the hub answering and the link ready: reachable, unless the clinic
   * board's own reads met the hub's 5xx clinicBoardHubErrorsInARowMax times in a row (#pollFailed). Its
   * health answers 200 without reading its database, so that mark stands until a board read is answered
   * (refreshVisits); else check-in would reopen at every round of a database outage, and shut again.
   */
  hubHealthAnswered(): void {
    if (this.#boardMarkedOutOfReach()) return;
    this.setHubState('reachable');
  }

  /** The board's reads met the hub's own 5xx clinicBoardHubErrorsInARowMax times in a row, none answered since. */
  #boardMarkedOutOfReach(): boolean {
    return this.#boardHubErrorsInARow >= clinicBoardHubErrorsInARowMax;
  }

  /**
   * A board read the hub answered: the count starts again, and a hub the board alone marked out of reach
   * (the health round could not clear it) is reachable again once the link is ready.
   */
  #boardReadAnswered(): void {
    const marked = this.#boardMarkedOutOfReach();
    this.#boardHubErrorsInARow = 0;
    if (marked && this.#hub.ready && this.#credentialsRefused === null) {
      this.setHubState('reachable');
    }
  }

  /**
   * Whether the hub is ready for faces and payments, and when not although it answered, its refusal of
   * this kiosk's credentials (only 'unreachable' has one: a refusing hub is not ready).
   */
  setHubState(
    state: 'reachable' | 'unreachable',
    credentialsRefused: CredentialsRefused | null = null,
  ): void {
    assert(state === 'unreachable' || credentialsRefused === null, 'a ready hub refuses nothing');
    const before = this.#credentialsRefused;
    const sameRefusal =
      before?.status === credentialsRefused?.status && before?.code === credentialsRefused?.code;
    if (state === this.#hubState && sameRefusal) return;
    const outOfReach = state === 'unreachable' && credentialsRefused === null;
    // Counted from the first round that missed it, not again at each one that misses it too.
    const wasOutOfReach = this.#hubState === 'unreachable' && before === null;
    if (!outOfReach) this.#outOfReachSinceElapsedMs = null;
    else if (!wasOutOfReach) this.#outOfReachSinceElapsedMs = this.#elapsed();
    this.#hubState = state;
    this.#credentialsRefused = credentialsRefused;
    this.#emit({ type: 'hub', hub: state, credentialsRefused });
  }

  /**
   * An officer's call that met the hub's refusal of the station's credentials (the link noted it) says so
   * at once, as the runtime's next round would have: the screens follow the hub event, and only a state the
   * service holds is cleared by the round that finds the hub taking the station again.
   */
  #noteStationCredentialsRefused(): void {
    const refused = this.#hub.credentialsRefused;
    if (refused !== null) this.setHubState('unreachable', refused);
  }

  /**
   * Lost payments reconcile will give back once the hub answers for them: not staff's (toCheck), nor the
   * one being paid now (its answer settles it), as reconcile counts them.
   */
  #lostPaymentsWaiting(): number {
    const current = this.#current;
    const paying = current?.busy === 'paying' ? current.view.id : null;
    return this.#unknownOutcome
      .entries()
      .filter(([paymentId, pending]) => pending.toCheck !== true && paymentId !== paying).length;
  }

  /**
   * Why no payment can go through now, or null when one can: the hub refuses this kiosk's credentials (no
   * retry alone changes that), or it has been out of reach for hubOutOfReachRefusedAfterMs. Asked before a
   * payment opens, so nobody is sent to the camera for a payment that fails at the end; the next round that
   * finds the hub accepting the kiosk takes payments again.
   */
  notTakingPayments(): NotTakingPayments | null {
    const refused = this.#credentialsRefused;
    if (refused !== null) return { reason: 'credentials_refused', hub: refused };
    const since = this.#outOfReachSinceElapsedMs;
    if (since === null || this.#elapsed() - since < hubOutOfReachRefusedAfterMs) return null;
    return { reason: 'hub_unreachable', hub: null };
  }

  /**
   * A till's `POST /kiosk/v1/payment-requests`: refused while another payment is open, and at once, with
   * why, while the kiosk takes no payments (notTakingPayments).
   */
  requestFromTill(request: TillPaymentRequest, idempotencyKey?: string): TillAnswer {
    if (this.#config.mode !== 'shop') {
      return {
        ok: false,
        status: 409,
        code: 'wrong_mode',
        message: `a ${this.#config.mode} kiosk`,
      };
    }
    const asked = idempotencyKey === undefined ? null : this.#askedBefore(idempotencyKey, request);
    if (asked !== null) return asked;
    const notTaking = this.notTakingPayments();
    if (notTaking !== null) {
      return {
        ok: false,
        status: 503,
        code: 'not_taking_payments',
        message: notTakingMessage(notTaking),
        notTaking,
      };
    }
    this.#expireIdle();
    if (this.#current !== null) {
      return {
        ok: false,
        status: 409,
        code: 'kiosk_busy',
        message: 'another payment is open at this kiosk',
      };
    }
    let payment: Payment;
    try {
      // Written before anyone sees it: a full or broken disk opens nothing, on the screen or for the key.
      payment = this.#open('till', request, (view) =>
        this.#tillRequests.opened(view, idempotencyKey ?? null, sameTillRequest(request)),
      );
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        status: 500,
        code: 'internal',
        message: `the kiosk could not write the payment request down (${why}); no payment was opened`,
      };
    }
    return { ok: true, payment: payment.view, replayed: false };
  }

  /**
   * The payment a till request under `key` opened, as it is now (open, paid, cancelled: whatever the first
   * answer would have led the till to; one a restart interrupted: failed, kiosk_restarted), or a refusal
   * when the key came with another request; null when the key is new, or its payment is no longer kept (the
   * last tillRequestsKeptMax: then it opens a payment as a new request would, which its shopper must confirm).
   */
  #askedBefore(key: string, request: TillPaymentRequest): TillAnswer | null {
    const known = this.#tillRequests.byKey(key);
    if (known === undefined) return null;
    if (known.request !== sameTillRequest(request)) {
      return {
        ok: false,
        status: 409,
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key came with another payment request',
      };
    }
    const view = this.#payments.get(known.view.id)?.view ?? known.view;
    return { ok: true, payment: view, replayed: true };
  }

  /** The till takes back the amount it sent (`DELETE /kiosk/v1/payment-requests/:id`) while it is still open. */
  cancelFromTill(id: string): KioskResult<{ payment: PaymentView }> {
    return this.#cancel(id);
  }

  tillPayment(id: string): PaymentView | null {
    return this.#payments.get(id)?.view ?? this.#tillRequests.view(id);
  }

  /**
   * For every payment whose hold request got no answer: if the hub did place the hold, refund all of it
   * (the kiosk said no money was taken), or release a check-in's open visit; a visit the clinic settled
   * is kept for staff instead (its fee is the clinic's); if not placed, there is nothing to undo. Runs when the hub is reachable;
   * a payment is looked at only once its authorization has expired, so asking the hub again with the
   * same request can find the hold it placed but never place one (HubLink.findPlacedHold); once the hub may
   * have pruned that request's stored answer, by the request's key (#findLostHold). A look-up, release or
   * refund the hub keeps refusing is shown to staff and asked again all the same (#noteRefusal).
   */
  async reconcile(): Promise<{
    refunded: string[];
    released: string[];
    notPlaced: string[];
    unresolved: string[];
  }> {
    const refunded: string[] = [];
    const released: string[] = [];
    const notPlaced: string[] = [];
    const unresolved: string[] = [];
    // A list that could not be written after an answer (a full disk) is written now, if it can be; and the
    // waits' times left, so that a restart resumes them about where they are.
    this.#unknownOutcome.flush();
    this.#unknownOutcome.checkpoint();
    for (const [paymentId] of this.#unknownOutcome.entries()) {
      // The list as it was when the round began: an entry may have gone while an earlier one was looked up
      // (a payment in flight told paid, #holdTold; a visit adopted, #adoptVisit), or changed (marked for
      // staff). Each is read again here, and one gone is not this round's to look at.
      const pending = this.#unknownOutcome.get(paymentId);
      if (pending === undefined) continue;
      if (this.#paidUnwritten.has(paymentId)) {
        if (this.#tillRequests.flush()) {
          this.#paidUnwritten.delete(paymentId);
          this.#unknownOutcome.delete(paymentId);
        }
        continue;
      }
      if (pending.toCheck === true) {
        unresolved.push(paymentId);
        continue;
      }
      // On its way now (written ahead, #sendHold): its answer settles it. By the clock alone a kiosk clock
      // set forward would ask again and refund a payment its shopper is about to be told is paid.
      const current = this.#current;
      if (current?.view.id === paymentId && current.busy === 'paying') continue;
      // Elapsed time, not the wall clock: one set forward would ask before the authorization expired, and
      // a request that never reached the hub would place the hold now, only to be refunded.
      if (this.#unknownOutcome.waitLeftMs(paymentId) > 0) continue;
      const outcome =
        pending.sent.template === 'clinic_visit'
          ? // A patient tapping "check in" again may be told this visit is theirs (#adoptVisit): the
            // two take turns, and a visit adopted meanwhile is no longer this one's to look at.
            await this.#inVisitsTurn(async () =>
              this.#unknownOutcome.get(paymentId) === undefined
                ? 'adopted'
                : this.#reconcileOne(paymentId, pending),
            )
          : await this.#reconcileOne(paymentId, pending);
      if (outcome === 'adopted' || outcome === 'notYet') continue;
      ({ released, refunded, notPlaced, unresolved })[outcome].push(paymentId);
    }
    return { refunded, released, notPlaced, unresolved };
  }

  /**
   * One lost request, its wait over: found and given back ('released', 'refunded', 'notPlaced'), kept for
   * staff ('unresolved'), or asked again next round ('notYet': a refusal, noted for staff).
   */
  async #reconcileOne(
    paymentId: string,
    pending: PendingHold,
  ): Promise<'released' | 'refunded' | 'notPlaced' | 'unresolved' | 'notYet'> {
    // The wall clock, to compare with the hub's answer retention (its clock).
    const sinceSentMs = this.#now() - pending.sentAtMs;
    const found = await this.#findLostHold(pending, sinceSentMs);
    if (!found.ok) {
      this.#noteRefusal(paymentId, found.error);
      return 'notYet';
    }
    const hold = found.value === 'unknown' ? null : found.value;
    const refundable = hold === null ? 0 : hold.settled - hold.refunded;
    const forStaff =
      // The hub may have pruned the answer it stored and cannot be asked by key (an older hub):
      // "nothing placed" is no proof now, and the shopper may have paid. Kept for staff, never
      // written off.
      found.value === 'unknown' ||
      // Only the clinic's consultation.completed settles a visit: a consultation took place (the
      // clinic's system lists the hub's visits, not the board) and its fee is not the kiosk's to give
      // back. What the patient was told (check-in failed) and what happened disagree: staff check it.
      (pending.sent.template === 'clinic_visit' && refundable > 0);
    if (forStaff) {
      this.#unknownOutcome.markToCheck(paymentId);
      this.#refusals.delete(paymentId);
      return 'unresolved';
    }
    const given = await this.#giveBack(paymentId, hold, refundable);
    if (given !== 'notYet') this.#forgetLost(paymentId);
    return given;
  }

  /**
   * Runs `work` when the visits' turn before it is over: reconcile's look at a lost check-in (read, then
   * release) and a tap's look for the patient's open visit (list, then adopt) never interleave, so a patient
   * is never told a visit is theirs that reconcile is releasing, nor is one released after it was adopted.
   */
  #inVisitsTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#visitsTurn.then(work, work);
    this.#visitsTurn = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Undoes what a lost request placed: releases a check-in's open visit (the patient was told it did not
   * happen: its cap must not stay held), refunds what a purchase took. 'notPlaced': nothing to undo, as
   * nothing was placed or it is undone already (a release or refund whose answer was lost, done by the hub's
   * operator, a visit expired). 'notYet': the hub did not do it (#noteRefusal); asked again next round,
   * under the same key, after the hold is read again.
   */
  async #giveBack(
    paymentId: string,
    hold: HoldView | null,
    refundable: number,
  ): Promise<'released' | 'refunded' | 'notPlaced' | 'notYet'> {
    const key = `kiosk-${this.#config.kioskId}-${paymentId}`;
    if (hold === null || (hold.status !== 'active' && refundable <= 0)) return 'notPlaced';
    const active = hold.status === 'active';
    const back = active
      ? await this.#hub.release({ holdId: hold.id, idempotencyKey: `${key}-release` })
      : await this.#hub.refund({
          holdId: hold.id,
          amount: refundable,
          // A key per amount: the hub keeps a refusal under its key, so a refund raced by another (the
          // shop's back office refunding part) would be refused 409 under one key for every later round's
          // smaller amount until the hub prunes it. The amount only ever falls (each round reads the hold
          // first), and the hub refuses more than is left: no key can refund twice.
          idempotencyKey: `${key}-refund-${refundable}`,
        });
    if (back.ok) return active ? 'released' : 'refunded';
    this.#noteRefusal(paymentId, back.error);
    return 'notYet';
  }

  /** A lost request settled (given back, or found placed and told): off the list, with its refusals. */
  #forgetLost(paymentId: string): void {
    this.#unknownOutcome.delete(paymentId);
    this.#refusals.delete(paymentId);
  }

  /**
   * A lost request's look-up, release or refund failed. No answer, a 5xx or a 429 passes by itself: asked
   * again next round, unseen. Any other refusal is counted: the first may be a race (the hold closed or
   * changed under the request, which the next round reads again); refused again
   * (lostHoldRefusalsShownToStaff), it will not pass by itself (the till's role or token changed, a
   * stricter hub, a key the hub keeps a refusal under), and staff see it (paymentsToCheck) while the kiosk
   * keeps asking, so the shopper's money is neither stuck unseen nor written off.
   */
  #noteRefusal(paymentId: string, error: KioskError): void {
    if (error.code === 'hub_unreachable' || error.code === 'rate_limited') return;
    const times = (this.#refusals.get(paymentId)?.times ?? 0) + 1;
    this.#refusals.set(paymentId, { times, refusal: hubRefusalOf(error) });
  }

  /**
   * The hold a lost request placed, or null. The same request asked again gets its stored answer (which
   * names the hold) while the hub keeps it; whatever else it gets, the hub is asked for the hold by the
   * request's Idempotency-Key, which it keeps as long as the hold: that answer holds at any age and on any
   * kiosk clock. A refusal of the request asked again proves "never placed" only while the hub still kept
   * the first answer, which the kiosk can judge by its own clock alone: it decides only where the key
   * cannot (an older hub; a request sent before the hub kept keys). A refusal from before the hub looked
   * the key up proves nothing at any age. 'unknown': neither can tell, or several holds share the key.
   * (Before, a refusal within lostHoldAnswerTrustedMs by the kiosk's clock was believed: a clock set back
   * while the hub was out of reach for two days wrote off a hold the shopper had paid.)
   * Sent under another hub client (#sentByThisClient: a till provisioned again), "never placed" is 'unknown'
   * too: the hub keeps stored answers and keys per client, so the request asked again runs afresh and the
   * key finds nothing, whatever the old client did.
   */
  async #findLostHold(
    pending: PendingHold,
    sinceSentMs: number,
  ): Promise<HubAnswer<HoldView | null | 'unknown'>> {
    const found = await this.#findLostHoldAsSender(pending, sinceSentMs);
    if (!found.ok || found.value !== null) return found;
    const sameSender = await this.#sentByThisClient(pending);
    if (sameSender === 'not yet known') {
      // The hub did not answer which client this is: the next round may tell, rather than send the
      // payment to staff for good on a rotated token's fingerprint.
      return kioskFailure('hub_unreachable', 'the hub did not say which client this kiosk is');
    }
    return sameSender ? found : { ok: true, value: 'unknown' };
  }

  /**
   * Whether this run's hub client sent `pending`: by the clients' ids where both are known (GET
   * /v1/clients/me; asked here if this run does not know its own yet), so a rotated token, which keeps its
   * client, is the same sender. Else by the token's fingerprint (PendingHold.sentBy), under which a rotated
   * token reads as another sender: its "never placed" goes to staff rather than be written off unproven.
   * 'not yet known': the entry has its client's id, this run has none, and the hub gave no answer (as
   * opposed to an older hub's refusal) while the fingerprints differ: ask again next round.
   */
  async #sentByThisClient(pending: PendingHold): Promise<boolean | 'not yet known'> {
    if (pending.sentBy === this.#sender) return true;
    if (pending.sentByClient === null) return false;
    const own = await this.#hub.learnOwnClient();
    if (!own.ok) return 'not yet known';
    return own.value !== null && pending.sentByClient === own.value;
  }

  /** #findLostHold as if this run's client had sent the request. */
  async #findLostHoldAsSender(
    pending: PendingHold,
    sinceSentMs: number,
  ): Promise<HubAnswer<HoldView | null | 'unknown'>> {
    const found = await this.#hub.findPlacedHold(pending.sent);
    if (!found.ok) return found;
    const asked = found.value;
    if (asked !== null && asked !== 'refusedBeforeTheKey') return { ok: true, value: asked };
    const byKey = await this.#byKey(pending);
    if (!byKey.ok || byKey.value !== 'unknown') return byKey;
    if (sinceSentMs >= lostHoldAnswerTrustedMs) return byKey;
    // The key cannot tell; the hub should still keep the first answer by this kiosk's clock. A refusal
    // given after the key was looked up is that proof; one given before it is asked again next round.
    if (asked === null) return { ok: true, value: null };
    return kioskFailure(
      'hub_unreachable',
      'refused before the hub looked the key up: outcome unknown',
    );
  }

  /** The hold placed under the lost request's key, null for none, 'unknown' where the key cannot tell. */
  async #byKey(pending: PendingHold): Promise<HubAnswer<HoldView | null | 'unknown'>> {
    const byKey = await this.#hub.holdsPlacedUnder(pending.sent);
    if (!byKey.ok) return byKey;
    if (byKey.value === null) return { ok: true, value: 'unknown' };
    const { holds, sinceMs } = byKey.value;
    // Sent before the hub kept keys (or so close to it that the two clocks cannot tell): an empty list
    // proves nothing about it.
    const sentBeforeKeys = pending.sentAtMs < sinceMs + lostHoldKeysSinceMarginMs;
    if (holds.length > 1 || (holds.length === 0 && sentBeforeKeys)) {
      return { ok: true, value: 'unknown' };
    }
    return { ok: true, value: holds[0] ?? null };
  }

  /**
   * For the operator screen: the lost hold requests reconcile could not settle (PendingHold.toCheck), which
   * staff clear, and those the hub refused again (#noteRefusal), with its refusal, which the kiosk still asks.
   */
  #paymentsToCheck(): KioskStatus['paymentsToCheck'] {
    return this.#unknownOutcome.entries().flatMap(([paymentId, pending]) => {
      const refusal = this.#refusalShownToStaff(paymentId);
      if (pending.toCheck !== true && refusal === null) return [];
      return {
        paymentId,
        amount: pending.sent.request.amount,
        reference: pending.sent.request.reference,
        sentAt: new Date(pending.sentAtMs).toISOString(),
        hubRefusal: pending.toCheck !== true ? refusal : null,
      };
    });
  }

  /** The hub's refusal of a lost request once refused again (lostHoldRefusalsShownToStaff), else null. */
  #refusalShownToStaff(paymentId: string): HubRefusal | null {
    const refused = this.#refusals.get(paymentId);
    return refused !== undefined && refused.times >= lostHoldRefusalsShownToStaff
      ? refused.refusal
      : null;
  }

  /** Staff settled a payment to check with the hub's operator: the kiosk stops keeping it. */
  #clearPaymentToCheck(paymentId: string): KioskResult<{ cleared: true }> {
    if (!this.#operatorUnlocked()) {
      return kioskFailure('operator_locked', 'the operator screen is locked');
    }
    // One the hub refuses is still asked: it leaves the list once the hub (or its operator) has undone it,
    // unless no retry can ever undo it (paymentToCheckFinalRefusals) and staff say it was given back.
    const final = isFinalRefusal(this.#refusalShownToStaff(paymentId));
    if (this.#unknownOutcome.get(paymentId)?.toCheck !== true && !final) {
      return kioskFailure('payment_closed', 'no payment to check has this id');
    }
    this.#forgetLost(paymentId);
    return { ok: true, cleared: true };
  }

  /**
   * Clinic mode: reads back the holds of waiting visits (the clinic's event settled one, or its no-show
   * deadline passed) and tells the board; after a restart, first recovers today's visits from the hub.
   */
  async refreshVisits(): Promise<void> {
    const visits = this.#visits;
    if (visits === null) return;
    let changed = false;
    if (!visits.resumed) {
      const resumed = await this.#resumeVisits(visits);
      if (!resumed.ok) return this.#pollFailed(resumed.error);
      this.#boardReadAnswered();
      changed = true;
    }
    for (const visit of visits.board.waiting()) {
      const hold = await this.#hub.readHold(visit.holdId);
      if (hold.ok) {
        this.#boardReadAnswered();
        changed = visits.board.update(hold.value) || changed;
      } else if (holdGone(hold.error)) {
        // The hub has no such hold (its database restored from a backup taken before the check-in, say):
        // an answer from its data. The visit closes as gone, is not asked again, and the visits behind it
        // are read: before, the loop stopped here at every refresh and the visit stayed waiting for good
        // (#turnDay keeps waiting visits). Money: the kiosk releases and settles nothing for it, as the hub
        // holds nothing under that id; staff ask the hub's operator what became of it.
        this.#boardReadAnswered();
        changed = visits.board.markGone(visit.holdId) || changed;
      } else {
        this.#pollFailed(hold.error);
        break;
      }
    }
    // What the reads before a failed one changed is shown too.
    if (changed) this.#emit({ type: 'visits', visits: visits.board.list() });
  }

  async #resumeVisits(visits: { board: VisitBoard; resumed: boolean }): Promise<HubAnswer<null>> {
    const recent = await this.#hub.recentHolds({
      payee: payeeOf(this.#config),
      limit: clinicVisitsRememberedMax,
    });
    if (!recent.ok) return recent;
    // A check-in whose answer was lost (in pending-holds.json) was told to its patient as failed: its
    // number is nobody's. Tapped again, #adoptVisit puts it on the board; else reconcile releases it.
    const untold = (hold: HoldView) => this.#unknownOutcome.lostCheckInsOf(hold).length > 0;
    visits.board.resume(recent.value, this.#now(), untold);
    visits.resumed = true;
    return { ok: true, value: null };
  }

  /**
   * A board refresh that failed: no answer (or one not the hub's own: a gateway's, a closing hub's) marks
   * the hub out of reach. The hub's own 5xx (hubStatus: its 503 while its database is busy) is an answer:
   * the next refresh tries again, the hub still reachable, so check-in is not shut for one busy moment
   * until the runtime's next health round; but clinicBoardHubErrorsInARowMax of them in a row (no read
   * between them answered) mark it out of reach, as its database is down, and so does each one after; the
   * health round does not clear that mark (hubHealthAnswered), only a board read answered does.
   */
  #pollFailed(error: KioskError): void {
    if (error.code !== 'hub_unreachable') {
      // The hub's own refusal of the read from its data (a 4xx other than a hold gone, which refreshVisits
      // takes as that visit's answer) came from a database that answers: else a mark of its outage could
      // stand for good, as no read after it might ever be answered.
      if (answeredFromItsData(error)) this.#boardReadAnswered();
      return;
    }
    if (error.hubStatus === undefined) {
      this.setHubState('unreachable');
      return;
    }
    this.#boardHubErrorsInARow += 1;
    if (this.#boardHubErrorsInARow >= clinicBoardHubErrorsInARowMax) {
      this.setHubState('unreachable');
    }
  }

  /** Cancels an idle payment; the runtime calls it on a timer. */
  expireIdle(): void {
    this.#expireIdle();
  }

  /** `beforeShown` runs on the new payment's view first; when it throws, no payment is opened. */
  #open(
    source: PaymentView['source'],
    request: TillPaymentRequest,
    beforeShown?: (view: PaymentView) => void,
  ): Payment {
    const id = `pay_${randomBytes(12).toString('hex')}`;
    const payment: Payment = {
      view: {
        id,
        purpose: source === 'patient' ? 'clinic_visit' : 'purchase',
        amount: request.amount,
        currency: 'JPY',
        reference: request.reference,
        category: request.category ?? null,
        source,
        state: 'waiting_for_face',
        displayNameMasked: null,
        pinRequired: false,
        faceTriesLeft: this.#facePause.paused ? 0 : faceTriesPerPaymentMax,
        faceChecksPaused: this.#facePause.paused,
        receipt: null,
        visit: null,
        failure: null,
        holdRequestSent: false,
      },
      personId: null,
      payer: null,
      authorization: null,
      lastActivityElapsedMs: elapsedMs(),
      busy: null,
      attemptsRefused: 0,
      throttledHoldSent: false,
    };
    beforeShown?.(payment.view);
    this.#payments.set(id, payment);
    while (this.#payments.size > kioskPaymentsRememberedMax) {
      const oldest = this.#payments.keys().next().value;
      assert(oldest !== undefined, 'a full map has an oldest entry');
      this.#payments.delete(oldest);
    }
    this.#current = payment;
    this.#emit({ type: 'payment', payment: payment.view });
    return payment;
  }

  async #startFromOperator(
    request: KioskRequest<'startPayment'>,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    if (!this.#operatorUnlocked()) {
      return kioskFailure('operator_locked', 'the operator screen is locked');
    }
    if (this.#config.mode !== 'shop')
      return kioskFailure('wrong_mode', `a ${this.#config.mode} kiosk`);
    // The screen's keypad is disabled then too; this answers a call made before it heard.
    const refused = this.#refusedWhileNotTaking();
    if (refused !== null) return refused;
    this.#expireIdle();
    if (this.#current !== null) return kioskFailure('payment_not_ready', 'a payment is open');
    const reference =
      request.reference ?? `kiosk-${new Date(this.#now()).toISOString().slice(0, 19)}`;
    const category = request.category ?? this.#config.defaultCategory;
    const payment = this.#open('operator', { amount: request.amount, reference, category });
    return { ok: true, payment: payment.view };
  }

  /**
   * The operator's charge or a patient's check-in while the kiosk takes no payments (notTakingPayments):
   * refused with why, as the till is, rather than sending someone to the camera for nothing.
   */
  #refusedWhileNotTaking(): { ok: false; error: KioskError } | null {
    const notTaking = this.notTakingPayments();
    if (notTaking === null) return null;
    const code = notTaking.reason === 'credentials_refused' ? 'hub_refused' : 'hub_unreachable';
    return kioskFailure(code, notTakingMessage(notTaking));
  }

  /**
   * A patient taps "check in": a check-in for the clinic's cap waits for their face. Refused while the
   * kiosk takes no payments (the screen's button is disabled then too; this answers a tap made before it heard).
   */
  async #startCheckIn(): Promise<KioskResult<{ payment: PaymentView }>> {
    const clinic = this.#config.clinic;
    if (this.#visits === null || clinic === undefined) {
      return kioskFailure('wrong_mode', 'this kiosk is not a clinic reception');
    }
    const refused = this.#refusedWhileNotTaking();
    if (refused !== null) return refused;
    this.#expireIdle();
    if (this.#current !== null) return kioskFailure('payment_not_ready', 'a check-in is open');
    const payment = this.#open('patient', {
      amount: clinic.cap,
      // Named at placement, with the queue number (visitReference).
      reference: 'visit',
      category: this.#config.defaultCategory ?? 'medical.consultation',
    });
    return { ok: true, payment: payment.view };
  }

  /**
   * The descriptor is the service's own copy (handleKioskCall's parse, or IPC's): zeroed on every way out,
   * refused, compared or thrown, so no face lingers in this process's memory after the call.
   */
  async #identify(
    request: KioskRequest<'identify'>,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    return wipedAfter([request.descriptor], () =>
      this.#oneCallAtATime(request.paymentId, ['waiting_for_face'], (current) =>
        this.#identifyFor(current, request),
      ),
    );
  }

  async #identifyFor(
    current: Payment,
    request: KioskRequest<'identify'>,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    if (!request.liveness.passed) {
      this.#faceLookFailed(current);
      return kioskFailure('liveness_failed', 'the face did not pass the liveness check');
    }
    if (current.view.faceTriesLeft === 0) {
      return kioskFailure(
        'face_tries_used',
        `the ${faceTriesPerPaymentMax} face tries of this payment are used; pay by member number and PIN`,
      );
    }
    const answer = await this.#identifyAtHub(current, request);
    if (!this.#stillCurrent(current)) return kioskFailure('payment_closed', 'payment closed');
    if (!answer.ok) return this.#hubFailure(current, answer.error, false);
    // Compared, matched or not: one try fewer (its event reaches the screen before this answer).
    const { match } = answer.value;
    if (match === null) {
      this.#faceLookFailed(current);
      return kioskFailure('no_match', 'the face matches no member');
    }
    this.#useFaceTry(current);
    current.personId = match.personId;
    current.authorization = answer.value.authorization ?? null;
    current.payer = answer.value.payer ?? null;
    this.#update(current, {
      state: 'confirming',
      displayNameMasked: match.displayNameMasked,
      pinRequired: answer.value.pinRequired || answer.value.authorization === undefined,
    });
    return { ok: true, payment: current.view };
  }

  /** The hub's identify of `request`'s face, its Float32Array copy zeroed however the call ends. */
  async #identifyAtHub(current: Payment, request: KioskRequest<'identify'>) {
    const descriptor = Float32Array.from(request.descriptor);
    try {
      return await this.#hub.identify({
        descriptor,
        modelId: request.modelId,
        liveness: stripUndefined(request.liveness),
        payee: payeeOf(this.#config),
        amount: current.view.amount,
      });
    } finally {
      descriptor.fill(0);
    }
  }

  async #confirm(request: KioskRequest<'confirm'>): Promise<KioskResult<{ payment: PaymentView }>> {
    return this.#oneCallAtATime(request.paymentId, ['confirming', 'pin'], (current) =>
      this.#confirmFor(current, request),
    );
  }

  async #confirmFor(
    current: Payment,
    request: KioskRequest<'confirm'>,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    if (current.view.pinRequired && request.pin === undefined) {
      this.#update(current, { state: 'pin' });
      return { ok: true, payment: current.view };
    }
    if (current.view.pinRequired) {
      assert(request.pin !== undefined && current.personId !== null, 'a PIN for a matched person');
      const verified = await this.#hub.verifyPin({
        personId: current.personId,
        pin: request.pin,
        payee: payeeOf(this.#config),
        amount: current.view.amount,
      });
      if (!this.#stillCurrent(current)) return kioskFailure('payment_closed', 'payment closed');
      if (!verified.ok) return this.#hubFailure(current, verified.error, true);
      current.authorization = verified.value.authorization;
      current.payer = verified.value.payer;
    }
    const settled = await this.#settle(current);
    // Paid (or checked in) by face: the failed looks in a row start again (FaceCheckPause.paidByFace).
    if (settled.ok) this.#facePause.paidByFace();
    return settled;
  }

  async #payWithMemberPin(
    request: KioskRequest<'payWithMemberPin'>,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    return this.#oneCallAtATime(request.paymentId, ['waiting_for_face', 'pin'], (current) =>
      this.#payWithMemberPinFor(current, request),
    );
  }

  async #payWithMemberPinFor(
    current: Payment,
    request: KioskRequest<'payWithMemberPin'>,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    const answer = await this.#hub.pinAuthorization({
      memberNumber: request.memberNumber,
      pin: request.pin,
      payee: payeeOf(this.#config),
      amount: current.view.amount,
    });
    if (!this.#stillCurrent(current)) return kioskFailure('payment_closed', 'payment closed');
    if (!answer.ok) return this.#hubFailure(current, answer.error, true);
    current.authorization = answer.value.authorization;
    current.payer = answer.value.payer;
    this.#update(current, { displayNameMasked: answer.value.displayNameMasked });
    return this.#settle(current);
  }

  async #settle(current: Payment): Promise<KioskResult<{ payment: PaymentView }>> {
    const { authorization, payer } = current;
    if (authorization === null || payer === null) {
      return kioskFailure('pin_required', 'this payment needs the PIN');
    }
    current.authorization = null; // single use, whatever the hub answers
    // From here the money may move: no cancel or idle expiry may tell the till otherwise (#cancel).
    current.busy = 'paying';
    if (current.view.purpose === 'clinic_visit')
      return this.#checkIn(current, authorization, payer);
    const request = {
      payer,
      payee: payeeOf(this.#config),
      amount: current.view.amount,
      reference: current.view.reference,
      category: current.view.category,
      authorization,
      // One key per payment: a retry of this payment can never take the money twice.
      idempotencyKey: this.#holdKey(current),
    };
    return this.#holdAndTell(current, { template: 'purchase', request }, (hold) => {
      this.#update(current, { state: 'paid', receipt: this.#purchaseReceipt(hold) });
      this.#close(current);
    });
  }

  /**
   * Sends the hold request (#sendHold) and tells its answer (`tell`: the payment closed paid or checked in);
   * the lost-hold entry goes only after that (#holdTold). Anything that throws once the request may have
   * gone (a kiosk's own fault telling the answer, the request's own write) closes the payment failed,
   * `internal`, its screen saying the payment could not be confirmed (holdRequestSent), and keeps the entry
   * for reconcile, which gives back what the hub holds: never a payment left open for the idle timeout to
   * tell the till "cancelled" while its money is held.
   */
  async #holdAndTell(
    current: Payment,
    sent: SentHold,
    tell: (hold: HoldView) => void,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    try {
      const hold = await this.#sendHold(current, sent);
      if (!hold.ok) return this.#hubFailure(current, hold.error, false, true);
      tell(hold.value);
      this.#holdTold(current);
      return { ok: true, payment: current.view };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      console.error(`kiosk: a fault after payment ${current.view.id}'s hold request: ${why}`);
      if (current.view.state === 'paid' || current.view.state === 'checked_in') {
        // Told already (a listener threw at a later event): the payment is what the hub holds.
        if (this.#stillCurrent(current)) this.#close(current);
        this.#holdTold(current);
        if (current.view.state === 'checked_in') this.#tellVisitsAfterFault();
        return { ok: true, payment: current.view };
      }
      this.#failedAfterHoldRequest(current);
      return kioskFailure(
        'internal',
        `the kiosk failed after the hold request (${why}); the payment could not be confirmed`,
      );
    }
  }

  /**
   * A check-in told, and a listener threw before the screens heard of the board (#checkIn's `tell`): the
   * board's new visit is told now, so the screen's board shows the patient's number. A listener that
   * throws again is logged: the check-in stands.
   */
  #tellVisitsAfterFault(): void {
    const visits = this.#visits;
    if (visits === null) return;
    try {
      this.#emit({ type: 'visits', visits: visits.board.list() });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      console.error(`kiosk: a fault telling the visits board: ${why}`);
    }
  }

  /**
   * Closes `current` failed (`internal`) after its hold request may have gone: the screen and the till say
   * it could not be confirmed, and pending-holds keeps the request for reconcile. Closed even when a
   * listener throws at the change, so the idle timeout never tells it "cancelled".
   */
  #failedAfterHoldRequest(current: Payment): void {
    if (!this.#stillCurrent(current)) return;
    const change = { state: 'failed', failure: 'internal', holdRequestSent: true } as const;
    try {
      this.#update(current, change); // the view changes before its listeners hear of it
    } finally {
      this.#close(current);
    }
  }

  #purchaseReceipt(hold: HoldView): NonNullable<PaymentView['receipt']> {
    return {
      holdId: hold.id,
      amount: hold.settled,
      shopName: this.#config.shopName,
      settledAt: hold.updatedAt,
    };
  }

  /**
   * Writes a till payment's change down (till-requests.ts); a failed write is logged and answered false,
   * memory stays right and the next change writes it again.
   */
  #tillRequestChanged(view: PaymentView): boolean {
    if (this.#tillRequests.changed(view)) return true;
    console.error(`kiosk: the till's payment ${view.id} could not be written down (${view.state})`);
    return false;
  }

  /**
   * The patient is identified and authorised: refuse a second open visit (at this clinic, from any of
   * its kiosks), then hold the cap under a fresh queue number and follow the visit on the board.
   */
  async #checkIn(
    current: Payment,
    authorization: string,
    payer: string,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    const visits = this.#visits;
    const clinic = this.#config.clinic;
    assert(visits !== null && clinic !== undefined, 'check-ins happen in clinic mode');
    // The list and the adoption in one turn: reconcile may be releasing a lost check-in of this patient.
    const looked = await this.#inVisitsTurn(async () => {
      const open = await this.#hub.recentHolds({
        payee: payeeOf(this.#config),
        payer,
        status: 'active',
        limit: clinicOpenHoldsReadMax,
      });
      if (!open.ok) return open;
      // Started while the hub was away: today's numbers so far first, so none is given twice.
      const resumed = visits.resumed ? null : await this.#resumeVisits(visits);
      if (resumed?.ok === false) return resumed;
      const already = open.value.find((hold) => hold.template === 'clinic_visit');
      if (already !== undefined) this.#adoptVisit(visits, already);
      return { ok: true as const, already };
    });
    if (!looked.ok) return this.#hubFailure(current, looked.error, false, true);
    const { already } = looked;
    if (already !== undefined) {
      const queueNumber = parseVisitReference(already.reference)?.queueNumber;
      this.#update(current, { state: 'failed', failure: 'already_checked_in' });
      this.#close(current);
      return kioskFailure(
        'already_checked_in',
        'this patient is checked in already',
        queueNumber === undefined ? {} : { queueNumber },
      );
    }
    const number = visits.board.nextQueueNumber(this.#now());
    const reference = visitReference({ ...number, kioskId: this.#config.kioskId });
    this.#update(current, { reference });
    const request = {
      payer,
      payee: payeeOf(this.#config),
      amount: current.view.amount,
      reference,
      category: current.view.category,
      authorization,
      expiresInSeconds: clinic.noShowAfterSeconds,
      // One key per check-in (per attempt): a retry never holds the cap twice.
      idempotencyKey: this.#holdKey(current),
    };
    return this.#holdAndTell(current, { template: 'clinic_visit', request }, (hold) => {
      const visit = visitFromHold(hold, number.queueNumber);
      visits.board.record(visit);
      this.#update(current, { state: 'checked_in', visit });
      this.#close(current);
      this.#emit({ type: 'visits', visits: visits.board.list() });
    });
  }

  /**
   * The hold request's Idempotency-Key: one per payment, so a request asked again (reconcile) can never
   * take the money twice; a new one per attempt after a 429, as a new authorization under the old key could
   * only be refused or replayed with the 429. The throttled attempt stays in pending-holds (#sendHold).
   */
  #holdKey(current: Payment): string {
    const key = `kiosk-${this.#config.kioskId}-${current.view.id}`;
    return current.attemptsRefused === 0 ? key : `${key}-attempt-${current.attemptsRefused + 1}`;
  }

  /**
   * Sends a hold request, written to pending-holds first: a kiosk that stops before the answer (a crash, a
   * power cut) finds the hold on restart (reconcile) and gives back money its shopper was never told was
   * taken. The hub's own refusal takes the entry out again; the hold placed as asked leaves it until the
   * payment is told so (#holdTold); an unknown outcome (a lost answer, a 5xx, an unreadable page, a 4xx that
   * is not the hub's own refusal: hub_unreachable) or an answer that is not the hold asked for (internal)
   * leaves it for reconcile, as the shopper was told the payment could not be confirmed.
   * A 429 leaves it too, under an id of its own, as the payment goes on under a new key (#backToFace): the
   * hub's own limiter refuses before any work, but a gateway may answer 429 after forwarding the request,
   * and then only reconcile would give back the first attempt's money (it finds nothing in the other case).
   */
  async #sendHold(current: Payment, sent: SentHold): Promise<HubAnswer<HoldView>> {
    const paymentId = current.view.id;
    try {
      this.#unknownOutcome.add(paymentId, {
        sent,
        sentAtMs: this.#now(),
        sentBy: this.#sender,
        sentByClient: this.#hub.ownClientId,
      });
    } catch (error) {
      // A full or broken disk: the request is not sent, so the shopper is told truly that nothing was taken.
      const why = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        error: {
          code: 'internal',
          message: `the kiosk could not write the payment down (${why}); nothing was sent`,
        },
      };
    }
    // Told to the screen before the request goes: a failure from here on (a lost answer, a 429, the kiosk's
    // own) is worded as "could not be confirmed", never "no money was taken".
    if (!current.view.holdRequestSent) {
      this.#update(current, { holdRequestSent: true });
      // And to the till's record, on disk: a crash while the request is out reads back failed /
      // kiosk_restarted with the request sent, not the "none went out" written when the payment opened.
      // A record that cannot be written (a full disk) lags until a later write; the request goes all the
      // same, kept in pending-holds above for reconcile, as a paid purchase's record does (#paidUnwritten).
      if (current.view.source === 'till') this.#tillRequestChanged(current.view);
    }
    const hold =
      sent.template === 'purchase'
        ? await this.#hub.placePurchase(sent.request)
        : await this.#hub.placeVisit(sent.request);
    if (!hold.ok && hold.error.code === 'rate_limited') {
      this.#unknownOutcome.rename(
        paymentId,
        `${paymentId}-throttled-${current.attemptsRefused + 1}`,
      );
      current.throttledHoldSent = true;
    } else if (!hold.ok && hold.error.code !== 'hub_unreachable') {
      // The hub's own refusal of this request: nothing of it was taken, so only an earlier attempt's 429
      // leaves the payment's outcome unknown (and its screen without "no money was taken").
      if (!current.throttledHoldSent) this.#update(current, { holdRequestSent: false });
      this.#unknownOutcome.delete(paymentId);
    } else if (hold.ok && !answersRequest(sent, hold.value)) {
      // Not the hold this request places (a purchase not settled, a visit not waiting, another amount): a
      // buggy hub or gateway. Whatever it holds, the entry stays for reconcile, which gives it back.
      return kioskFailure(
        'internal',
        `the payment service answered the hold request with a ${hold.value.status} hold of ` +
          `${hold.value.amount}: the payment could not be confirmed`,
      );
    }
    // Placed as asked: the entry goes once the payment is told so (#holdTold).
    return hold;
  }

  /**
   * The payment closed paid or checked in, as the hub answered: its lost-hold entry goes. A till's record
   * says so first (#close wrote it), so a restart in between finds the payment paid (and drops the entry),
   * never open with its hold refunded. A record that cannot be written keeps the entry (#paidUnwritten)
   * until it can: a restart before then reads the payment interrupted (failed, kiosk_restarted), and
   * reconcile makes that true by refunding it, where the till would otherwise read "failed, nothing
   * taken" for money taken.
   */
  #holdTold(current: Payment): void {
    const paymentId = current.view.id;
    if (current.view.source === 'till' && !this.#tillRequests.flush()) {
      this.#paidUnwritten.add(paymentId);
      return;
    }
    this.#unknownOutcome.delete(paymentId);
  }

  /**
   * The patient is told `hold` is their open visit (already_checked_in). If it is a check-in of this kiosk
   * whose answer was lost, reconcile must not release it now, and the board must show it: without this the
   * patient heard "checked in, No. N" while the board lacked No. N and its cap was released minutes later.
   */
  #adoptVisit(visits: { board: VisitBoard }, hold: HoldView): void {
    for (const paymentId of this.#unknownOutcome.lostCheckInsOf(hold)) this.#forgetLost(paymentId);
    const onBoard = () => visits.board.list().some((visit) => visit.holdId === hold.id);
    const known = onBoard();
    // Only today's visits of this kiosk go on its board (resume's rule).
    visits.board.resume([hold], this.#now());
    if (!known && onBoard()) this.#emit({ type: 'visits', visits: visits.board.list() });
  }

  /**
   * A refusal the shopper can act on keeps the payment open (wrong PIN, no match, face_required), or sends
   * it back to the face step (a 429 to the hold request, a face the hub no longer remembers); one that ends
   * it (insufficient funds, a locked PIN, the hub gone while paying) closes it with the reason.
   */
  #hubFailure(
    current: Payment,
    error: KioskError,
    pinStep: boolean,
    paying = false,
  ): { ok: false; error: KioskError } {
    if (error.code === 'hub_unreachable') this.setHubState('unreachable');
    if (paying && error.code === 'rate_limited') {
      this.#backToFace(current);
      return { ok: false, error };
    }
    // The hub remembers a face for identificationMemoryMs: a shopper slower than that at the confirm and
    // PIN screens looks at the camera again (no PIN try was counted), the payment still open.
    if (error.code === 'identification_required') {
      this.#forgetMatch(current);
      return { ok: false, error };
    }
    // face_required: the member number and PIN do not pay this amount or account, and no PIN try was
    // counted; the shopper's face still may.
    const retryable =
      (pinStep && error.code === 'pin_incorrect') ||
      error.code === 'rate_limited' ||
      error.code === 'face_required' ||
      (!paying && error.code === 'hub_unreachable');
    if (!retryable) {
      this.#update(current, { state: 'failed', failure: error.code });
      this.#close(current);
    }
    return { ok: false, error };
  }

  /**
   * The hub answered 429 once the authorization was spent (single use: #settle), to the hold request or to a
   * check-in's reads before it. Nothing was placed as far as the kiosk can tell (reconcile gives back the
   * throttled request's hold if a gateway ran it: #sendHold), so the same payment starts again at the face
   * step, as a new attempt: a PIN typed again would be refused (the identification is gone), and the payment
   * would sit at the PIN step until it timed out.
   */
  #backToFace(current: Payment): void {
    current.attemptsRefused += 1;
    this.#forgetMatch(current, {
      // A check-in's queue number is taken afresh at its next placement (#checkIn).
      ...(current.view.purpose === 'clinic_visit' ? { reference: 'visit' } : {}),
    });
  }

  /**
   * Back to the face step with the matched person, their payer account and their single-use authorization
   * forgotten (the hub lets it expire): no PIN of theirs is tried and no hold is placed on their account.
   */
  #forgetMatch(current: Payment, change: Partial<PaymentView> = {}): void {
    current.personId = null;
    current.payer = null;
    current.authorization = null;
    this.#update(current, {
      state: 'waiting_for_face',
      displayNameMasked: null,
      pinRequired: false,
      ...change,
    });
  }

  /**
   * A cancel during an identify or a PIN check wins (their answer finds the payment closed); once the hold
   * request is sent it is refused, or the till would hear "cancelled" for a payment the hub then settles.
   */
  #cancel(paymentId: string): KioskResult<{ payment: PaymentView }> {
    const payment = this.#payment(paymentId, ['waiting_for_face', 'confirming', 'pin'], 'checking');
    if (!payment.ok) return payment;
    this.#update(payment.value, { state: 'cancelled' });
    this.#close(payment.value);
    return { ok: true, payment: payment.value.view };
  }

  /** The face session refused the face it read: one face try used, as a comparison uses one. */
  #faceRefused(paymentId: string): KioskResult<{ payment: PaymentView }> {
    const payment = this.#payment(paymentId, ['waiting_for_face']);
    if (!payment.ok) return payment;
    this.#faceLookFailed(payment.value);
    return { ok: true, payment: payment.value.view };
  }

  /** One look at the camera ended (compared by the hub, or refused by the kiosk); none below zero. */
  #useFaceTry(current: Payment): void {
    this.#update(current, { faceTriesLeft: Math.max(0, current.view.faceTriesLeft - 1) });
  }

  /**
   * A look refused by the kiosk or matched to nobody: one try fewer, and one more failed in a row; the one
   * that pauses face checks leaves this payment none either (the screen says face checks are paused).
   */
  #faceLookFailed(current: Payment): void {
    const wasPaused = this.#facePause.paused;
    try {
      this.#facePause.lookFailed(this.#now());
    } finally {
      // Even when the pause's file could not be written (a full disk), this payment's try is used.
      if (this.#facePause.paused)
        this.#update(current, { faceTriesLeft: 0, faceChecksPaused: true });
      else this.#useFaceTry(current);
      if (this.#facePause.paused && !wasPaused) this.#faceChecksChanged(true);
    }
  }

  /**
   * Face checks paused or resumed: the screens say so before anyone is sent to the camera (the idle screen,
   * the clinic's board), the log says so where the kiosk's operator looks, and the hub hears of it (an
   * attack on the kiosk is seen centrally): the alert the pause made is kept in the outbox first, sent now,
   * else at a later round.
   */
  #faceChecksChanged(paused: boolean): void {
    this.#handOverAlerts();
    void this.deliverAlerts().catch((error: unknown) =>
      console.error(`kiosk: sending an alert to the hub failed: ${String(error)}`),
    );
    console.error(
      paused
        ? `kiosk: face checks paused after ${faceLooksFailedInARowMax} failed looks in a row; staff resume them on the operator screen`
        : 'kiosk: face checks resumed by staff',
    );
    this.#emit({ type: 'faceChecks', paused });
  }

  /**
   * The pause's alerts move to the outbox; each leaves the pause's file once the outbox's file has it. One
   * the outbox cannot write stays in both (in memory it is sent this run; the hub records an id once).
   */
  #handOverAlerts(): void {
    for (const alert of [...this.#facePause.alertsNotInOutbox]) {
      if (this.#alerts.keep(alert)) this.#facePause.handedOver(alert.alertId);
    }
  }

  /**
   * Staff resume face checks: payments and check-ins opened from now on have their tries. The one open now
   * keeps its screen (member number and PIN, or cancel): a face screen would not open under staff's hands.
   */
  #resumeFaceChecks(): KioskResult<{ resumed: true }> {
    if (!this.#operatorUnlocked()) {
      return kioskFailure('operator_locked', 'the operator screen is locked');
    }
    const wasPaused = this.#facePause.paused;
    this.#facePause.resume(this.#now());
    if (wasPaused) this.#faceChecksChanged(false);
    return { ok: true, resumed: true };
  }

  /**
   * The masked name was not the shopper's: back to the face step with nothing of the matched person kept
   * (#forgetMatch). Not while a PIN check is in flight.
   */
  #notMe(paymentId: string): KioskResult<{ payment: PaymentView }> {
    const payment = this.#payment(paymentId, ['confirming', 'pin']);
    if (!payment.ok) return payment;
    this.#forgetMatch(payment.value);
    return { ok: true, payment: payment.value.view };
  }

  #operatorExit(): KioskResult<{ exiting: true }> {
    if (!this.#operatorUnlocked()) {
      return kioskFailure('operator_locked', 'the operator screen is locked');
    }
    this.#onOperatorExit();
    return { ok: true, exiting: true };
  }

  #operatorUnlocked(): boolean {
    return this.#operator.isUnlocked(this.#now());
  }

  /**
   * Runs one call of the shopper's screen on the open payment `id`; a second call while it runs (a double
   * tap, a second socket) is refused rather than checking the PIN twice or racing the first to the hub.
   */
  async #oneCallAtATime(
    id: string,
    states: readonly PaymentView['state'][],
    work: (current: Payment) => Promise<KioskResult<{ payment: PaymentView }>>,
  ): Promise<KioskResult<{ payment: PaymentView }>> {
    const payment = this.#payment(id, states);
    if (!payment.ok) return payment;
    const current = payment.value;
    current.busy = 'checking';
    try {
      return await work(current);
    } finally {
      current.busy = null;
      current.lastActivityElapsedMs = elapsedMs();
    }
  }

  /** The open payment `id` in one of `states`, with no hub call in flight (or only `whileBusy`'s kind). */
  #payment(
    id: string,
    states: readonly PaymentView['state'][],
    whileBusy: 'checking' | null = null,
  ): { ok: true; value: Payment } | { ok: false; error: KioskError } {
    this.#expireIdle();
    const current = this.#current;
    if (current === null || current.view.id !== id) {
      const known = this.#payments.get(id);
      return known === undefined
        ? kioskFailure('no_payment', 'no such payment')
        : kioskFailure('payment_closed', `the payment is ${known.view.state}`);
    }
    if (!states.includes(current.view.state)) {
      return kioskFailure('payment_not_ready', `the payment is ${current.view.state}`);
    }
    if (current.busy !== null && current.busy !== whileBusy) {
      return kioskFailure('payment_not_ready', `a hub call for this payment is in flight`);
    }
    current.lastActivityElapsedMs = elapsedMs();
    return { ok: true, value: current };
  }

  #stillCurrent(payment: Payment): boolean {
    return this.#current === payment;
  }

  #update(payment: Payment, change: Partial<PaymentView>): void {
    payment.view = { ...payment.view, ...change };
    payment.lastActivityElapsedMs = elapsedMs();
    this.#emit({ type: 'payment', payment: payment.view });
  }

  #close(payment: Payment): void {
    assert(
      ['paid', 'checked_in', 'cancelled', 'failed'].includes(payment.view.state),
      'closing a closed state',
    );
    payment.authorization = null;
    payment.personId = null;
    if (this.#current === payment) this.#current = null;
    if (payment.view.source === 'till') this.#tillRequestChanged(payment.view);
  }

  #expireIdle(): void {
    const current = this.#current;
    // Not idle while the hub is answering (and never closed under a hold request in flight).
    if (current === null || current.busy !== null) return;
    if (elapsedMs() - current.lastActivityElapsedMs < kioskPaymentIdleMsMax) return;
    this.#update(current, { state: 'cancelled', failure: 'timeout' });
    this.#close(current);
  }

  #currentView(): PaymentView | null {
    this.#expireIdle();
    return this.#current?.view ?? null;
  }

  #emit(event: KioskEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** The till's and the logs' words for why no payment is taken (the screens have their own, localized). */
function notTakingMessage(notTaking: NotTakingPayments): string {
  if (notTaking.reason === 'hub_unreachable') {
    return 'not taking payments: the payment service has been out of reach; try again once it answers';
  }
  const { status, code } = notTaking.hub;
  return `not taking payments: the payment service refuses this kiosk's credentials (${status} ${code}); staff must have it provisioned again`;
}

/**
 * A refusal of a lost request's look-up, release or refund as data for the operator screen, which words it
 * by code: the hub's code, status and message as the hub answered them (hub-link keeps them apart). A code
 * that is not the hub's (a proxy's answer) stays hub_refused with no status; its message keeps what came back.
 */
function hubRefusalOf(error: KioskError): HubRefusal {
  return {
    status: error.hubStatus ?? null,
    code: error.hubCode ?? error.code,
    hubMessage: (error.hubMessage ?? error.message).slice(0, hubRefusalMessageCharsMax),
  };
}

/**
 * An officer's call with face descriptors from the renderer (the service's own copies: handleKioskCall's
 * parse, or IPC's): zeroed however it ends, refused before the station read them (busy, wrong mode) included.
 * The station zeroes its own copies (EnrolmentStation).
 */
async function wipedAfter<R>(descriptors: number[][], call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } finally {
    for (const descriptor of descriptors) descriptor.fill(0);
  }
}

function stripUndefined(liveness: KioskRequest<'identify'>['liveness']) {
  return Object.fromEntries(
    Object.entries(liveness).filter(([, value]) => value !== undefined),
  ) as { passed: boolean; score?: number; checks?: string[]; reasons?: string[] };
}

export type { HubAnswer };

/** Whether `hold` is what `sent` places: a purchase settled for its amount, a visit waiting with the cap held. */
function answersRequest(sent: SentHold, hold: HoldView): boolean {
  const { amount } = sent.request;
  if (hold.amount !== amount) return false;
  return sent.template === 'purchase'
    ? hold.status === 'settled' && hold.settled === amount
    : hold.status === 'active';
}

/** A till request as its Idempotency-Key is compared: amount, reference and category, in one order. */
function sameTillRequest(request: TillPaymentRequest): string {
  return JSON.stringify([request.amount, request.reference, request.category ?? null]);
}

/**
 * A board read's refusal in the hub's own words that its data gave (a 4xx: a hold not found, say), not one
 * that may come before its database is read: credentials (401, 403), the rate limit (429) or its 404 for a
 * path it has no route for.
 */
function answeredFromItsData(error: KioskError): boolean {
  const status = error.hubStatus;
  if (status === undefined || status < 400 || status >= 500) return false;
  return status !== 401 && status !== 403 && status !== 429 && !noRoute(error);
}

/**
 * The hub's own 404 to a hold read: it has no such hold (for this kiosk). Not its 404 for a path it has no
 * route for (a hub without the route, a wrong hubUrl's prefix), which says nothing of the hold.
 */
function holdGone(error: KioskError): boolean {
  return error.hubStatus === 404 && !noRoute(error);
}

/** The hub's 404 from its not-found handler (src/hub/http/server.ts: "no route GET /…"), not from its data. */
function noRoute(error: KioskError): boolean {
  return error.hubStatus === 404 && (error.hubMessage ?? '').startsWith('no route ');
}
