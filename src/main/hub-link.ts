// The kiosk's one connection to the hub: device keys, the provisioned transform key and the hub's public
// key; protects every descriptor and PIN before it leaves the process and turns hub answers into kiosk results.
import type { CancelableTransform } from '../biometrics/protect/cancelable-transform.ts';
import type { KioskIdentity } from '../biometrics/protect/kiosk-identity.node.ts';
import {
  protectAndAttest,
  protectAndAttestGuardian,
  protectProbe,
} from '../biometrics/protect/kiosk-protect.ts';
import { signKioskAlert, type LivenessVerdict } from '../biometrics/protect/kiosk-attestation.ts';
import { pinPaymentBinding, sealPin } from '../biometrics/protect/probe-seal.ts';
import { sodium } from '../biometrics/protect/sodium.ts';
import {
  openProvisionedTransform,
  signProvisionRequest,
} from '../biometrics/protect/transform-key-provision.ts';
import { assert } from '../shared/assert.ts';
import type {
  CreatePersonRequest,
  GuardianConsentRequest,
  GuardianConsentView,
  HoldView,
  IdentifyResponse,
  KioskAlert,
  PersonView,
} from '../shared/hub-api.ts';
import {
  HubAnswerUnreadableError,
  HubClient,
  HubRequestError,
  HubUnreachableError,
} from '../shared/hub-client.ts';
import { isHubErrorCode, type ErrorCode } from '../shared/error-codes.ts';
import type { CredentialsRefused, KioskError, KioskErrorCode } from '../shared/kiosk-api.ts';
import {
  kioskDescriptorLength,
  kioskPurchaseHoldLifetimeSeconds,
  pinChecksPerSecondPerClient,
} from '../shared/limits.ts';
import { HubClock } from './hub-clock.ts';
import { checkedHubUrl } from '../shared/hub-url.ts';

/** Just over the hub's window of one PIN check a second per till (pinChecksPerSecondPerClient). */
const pinRetryAfterRateLimitMs = Math.ceil(1000 / pinChecksPerSecondPerClient) + 100;

type CreatePersonLimits = GuardianConsentRequest['limits'];

export type HubAnswer<T> = { ok: true; value: T } | { ok: false; error: KioskError };
/**
 * POST /v1/persons' answer; a refusal says whether it is the hub's stored answer replayed under the request's
 * Idempotency-Key (then it is that request's own fate: it created nobody) or the request run again.
 * `refusedRunAgain`: an unknown outcome that was a refusal of the request run again, which the hub may now
 * keep as the key's answer and replay at the next ask (see createPerson's `replayProvesNothing`).
 */
export type CreatePersonAnswer =
  | { ok: true; value: PersonView }
  | { ok: false; error: KioskError; replayed?: boolean; refusedRunAgain?: boolean };

/** A hold the kiosk places for a payment or a check-in, under that payment's own Idempotency-Key. */
export interface KioskHoldRequest {
  payer: string;
  payee: string;
  amount: number;
  reference: string;
  category: string | null;
  authorization: string;
  idempotencyKey: string;
}

/** A hold request whose answer was lost, kept as sent so that the very same request can be asked again. */
export type SentHold =
  | { template: 'purchase'; request: KioskHoldRequest }
  | { template: 'clinic_visit'; request: KioskHoldRequest & { expiresInSeconds: number } };

/**
 * What became of an alert sent to the hub: recorded (or recorded before), to send again later (no answer,
 * 5xx, 429, the token refused, a clock off), or refused for good (the kiosk revoked, another client's).
 */
export type AlertDelivery =
  { outcome: 'delivered' } | { outcome: 'later' | 'refused'; reason: string };

export interface HubLinkOptions {
  hubUrl: string;
  hubToken: string;
  kioskId: string;
  identity: KioskIdentity;
  /** The kiosk's own clock; what it seals and signs by is the hub's, read from its answers (HubClock). */
  now: () => number;
  /**
   * The elapsed clock the hub's time is kept against (HubClock; default monotonic-clock.ts). A test whose
   * `now` stands for time passing (moved with its hub's clock) passes the same clock here.
   */
  elapsed?: () => number;
  timeoutMs?: number;
  /** Tests put a lossy network here. */
  fetch?: typeof fetch;
}

/** Hub error codes the shopper's screen explains in its own words; anything else is hub_refused. */
const passedThrough: ReadonlySet<KioskErrorCode> = new Set([
  'pin_incorrect',
  'pin_locked',
  'insufficient_funds',
  'limit_exceeded',
  'category_blocked',
  'age_restricted',
  'transform_key_outdated',
  'rate_limited',
  'pin_checks_suspended',
  'face_required',
  'identification_required',
  'pin_rejected',
  'id_document_mismatch',
  'guardian_not_identified',
  'guardian_not_adult',
  'guardian_consent_invalid',
]);

/**
 * Refusals of POST /v1/holds that the hub gives only inside the hold's own run, which idempotentWrite starts
 * after it found no answer stored under the request's key (src/hub/http/context.ts; Ledger.placeHold): so,
 * not replayed, they prove no answer is stored, hence (within the answer retention) that the first request
 * under the key committed nothing. Everything else may come before that lookup and then says nothing of the
 * first request: Fastify's 400 (bad JSON), 413, 415 and 404 (no such route), authenticate's 401, 429 and a
 * role's 403 forbidden, the body's schema (400 invalid_request), the key's own checks (400, 409
 * idempotency_key_reused). forbidden, invalid_request and not_found come from placeHold's run too (the
 * payee's scope, payer = payee, an unknown account), but not only: they are left out.
 */
const refusedAfterTheKey: ReadonlySet<string> = new Set([
  'authorization_invalid',
  'authorization_required',
  'insufficient_funds',
  'limit_exceeded',
  'category_blocked',
  'age_restricted',
]);

export class HubLink {
  readonly #client: HubClient;
  readonly #options: HubLinkOptions;
  #hubKey: Uint8Array | null = null;
  #transform: CancelableTransform | null = null;
  /** The hub client this link's token belongs to, once the hub has said (learnOwnClient); null until then. */
  #ownClientId: string | null = null;
  /**
   * This hub has no GET /v1/clients/me (an older hub answered 404): not asked again on this link until it
   * connects again (learnOwnClient), instead of at every health round for ever.
   */
  #ownClientRouteMissing = false;
  /**
   * The hub refused this kiosk's credentials: its last connect was answered 401, 403 or 404 (refusesKiosk),
   * or a later call 401 or kiosk_revoked. Not ready then, so the next round connects again and says
   * whether it still refuses; null once a connect succeeds or gets no answer (out of reach is not a refusal).
   */
  #credentialsRefused: CredentialsRefused | null = null;
  /**
   * Rounds since the hub last answered a call made with this kiosk's credentials that the link asks for
   * itself (connect, learnOwnClient, checkCredentialsEvery): an idle kiosk makes no other.
   */
  #roundsSinceCredentialsAsked = 0;
  /** The hub's clock, which every sealed probe and PIN and every signed request is stamped by. */
  readonly #hubClock: HubClock;
  /** Set by beginClosing: no hub call starts after it. */
  #closing = false;

  constructor(options: HubLinkOptions) {
    // Every kiosk's hub call goes through here: never its token, probes or PINs in plain http off this machine.
    checkedHubUrl(options.hubUrl, "the kiosk's hub URL");
    this.#options = options;
    this.#hubClock = new HubClock(options.now, options.elapsed);
    this.#client = new HubClient({
      baseUrl: options.hubUrl,
      token: options.hubToken,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: this.#unlessClosing(this.#hubClock.watching(options.fetch ?? fetch)),
    });
  }

  /**
   * The kiosk is closing (KioskRuntime.close): every hub call from now on fails at once as if the hub were
   * out of reach, so a background round against a stalling hub ends before its next call (one call's
   * timeout at most, inside close's wait) instead of running past close, which then zeroes the signing key
   * and releases the keys folder. A call in flight is let finish (an alert's send is answered, not lost).
   */
  beginClosing(): void {
    this.#closing = true;
  }

  get closing(): boolean {
    return this.#closing;
  }

  #unlessClosing(network: typeof fetch): typeof fetch {
    return async (input, init) => {
      if (this.#closing) throw new Error('the kiosk is closing: no hub call');
      return network(input, init);
    };
  }

  /** How far the hub's clock is from this kiosk's, by its last quick answer (HubClock); 0 before one. */
  get hubClockOffsetMs(): number {
    return this.#hubClock.offsetMs;
  }

  get ready(): boolean {
    return this.#hubKey !== null && this.#transform !== null && this.#credentialsRefused === null;
  }

  /** The hub's refusal of this kiosk's credentials, as its last answer had it; null: none seen. */
  get credentialsRefused(): CredentialsRefused | null {
    return this.#credentialsRefused;
  }

  /**
   * Fetches the hub's key and this kiosk's transform key (signed request, sealed answer). What the hub
   * answers decides credentialsRefused: a refusal of the till's token or of this kiosk sets it, anything
   * else (connected, or no answer: out of reach) clears it.
   */
  async connect(): Promise<HubAnswer<{ transformKeyId: string }>> {
    let refused: CredentialsRefused | null = null;
    const connected = await this.#guard(
      () => this.#connectOnce(),
      (error) => {
        refused = refusesKiosk(error) ? { status: error.status, code: error.code } : null;
        return fromHubError(error);
      },
    );
    this.#credentialsRefused = connected.ok ? null : refused;
    if (connected.ok) this.#roundsSinceCredentialsAsked = 0;
    return connected;
  }

  /**
   * A round of an accepted kiosk: every `everyRounds`-th asks the hub something cheap with the till's token
   * (GET /v1/clients/me, or GET /v1/hub-key at an older hub without that route, which is still asked only
   * once per connection), so that a token revoked or rotated away is noticed (a 401 makes the link not
   * ready: #noteCredentialsRefused) while the kiosk is idle, not at the next shopper's payment. Nothing is
   * asked while learnOwnClient asks at every round anyway. No answer, a 5xx or a 429 is no refusal.
   * The same round reads this kiosk's registration (#checkRegistration), so a kiosk the admin revoked is
   * noticed too, by an unsigned read the hub does not audit (connect's signed request is audited).
   */
  async checkCredentialsEvery(everyRounds: number): Promise<void> {
    assert(Number.isSafeInteger(everyRounds) && everyRounds >= 1, 'a check every round or fewer');
    const stillAsking = this.#ownClientId === null && !this.#ownClientRouteMissing;
    this.#roundsSinceCredentialsAsked = stillAsking ? 0 : this.#roundsSinceCredentialsAsked + 1;
    if (this.#roundsSinceCredentialsAsked < everyRounds) return;
    this.#roundsSinceCredentialsAsked = 0;
    const routeMissing = this.#ownClientRouteMissing;
    await this.#guard(async (): Promise<HubAnswer<null>> => {
      if (routeMissing) await this.#client.hubKey();
      else await this.#client.getOwnClient();
      return { ok: true, value: null };
    });
    if (!routeMissing && this.#credentialsRefused === null) await this.#checkRegistration();
  }

  /**
   * GET /v1/kiosks/:id: a kiosk the admin revoked is refused, as connect would hear it (403 kiosk_revoked).
   * Only that answer counts: a 404 is an older hub without the route as much as a kiosk not of this
   * client, which connect tells apart at the next payment; no answer is no refusal.
   */
  async #checkRegistration(): Promise<void> {
    const read = await this.#guard(async () => ({
      ok: true as const,
      value: await this.#client.getOwnKiosk(this.#options.kioskId),
    }));
    if (read.ok && read.value.revokedAt !== null) {
      this.#credentialsRefused = { status: 403, code: 'kiosk_revoked' };
    }
  }

  async #connectOnce(): Promise<HubAnswer<{ transformKeyId: string }>> {
    await sodium.ready;
    const published = await this.#client.hubKey();
    const hubKey = sodium.from_base64(published.publicKey, sodium.base64_variants.ORIGINAL);
    const { kioskId, identity } = this.#options;
    const answer = await this.#client.provisionTransformKey(
      kioskId,
      signProvisionRequest({
        kioskId,
        signingSecretKey: identity.signing.secretKey,
        nowMs: this.#hubClock.now(),
      }),
    );
    const opened = openProvisionedTransform({
      sealedTransformKey: sodium.from_base64(
        answer.sealedTransformKey,
        sodium.base64_variants.ORIGINAL,
      ),
      transformKeyId: answer.transformKeyId,
      box: identity.box,
      dimension: kioskDescriptorLength,
    });
    if (!opened.ok) return failure('hub_refused', opened.error.message);
    this.#transform?.dispose();
    this.#transform = opened.value;
    this.#hubKey = hubKey;
    // Best effort: a hub that cannot say now is asked again at the next health round (kiosk-runtime.ts).
    // Connected again, the hub may be a newer one now: one that lacked the route is asked once more.
    this.#ownClientRouteMissing = false;
    await this.learnOwnClient();
    return { ok: true, value: { transformKeyId: answer.transformKeyId } };
  }

  /** The id of the hub client this link's token belongs to, as far as known (learnOwnClient); else null. */
  get ownClientId(): string | null {
    return this.#ownClientId;
  }

  /**
   * Asks the hub which client this link's token belongs to (GET /v1/clients/me, an extension) unless known,
   * and keeps the answer: a token's client never changes, and a rotation gives the same client a new token
   * (then a new link). null: the hub refused to say (an older hub without the route: 404; any other
   * refusal). No answer at all (unreachable, an unreadable page, 5xx, 429) is hub_unreachable: it may say
   * at the next ask. A 404 is kept until the link connects again: the route itself never answers 404 (it
   * answers its caller's record, or 401 or 429), so the hub has no such route, and asking it at every
   * health round would only fill its log.
   */
  async learnOwnClient(): Promise<HubAnswer<string | null>> {
    if (this.#ownClientId !== null) return { ok: true, value: this.#ownClientId };
    if (this.#ownClientRouteMissing) return { ok: true, value: null };
    const own = await this.#guard(
      async (): Promise<HubAnswer<string | null>> => {
        const client = await this.#client.getOwnClient();
        // An empty id is no id (the file of lost requests refuses one).
        return { ok: true, value: client.id.length > 0 ? client.id : null };
      },
      (error) => {
        if (error.status >= 500 || error.status === 429) {
          return failure('hub_unreachable', `asking which client this kiosk is: ${error.message}`);
        }
        if (error.status === 404) this.#ownClientRouteMissing = true;
        return { ok: true, value: null };
      },
    );
    if (own.ok && own.value !== null) this.#ownClientId = own.value;
    return own;
  }

  /**
   * Whether the hub answers its health route. A hub found away may come back upgraded in place: the memory
   * that it has no GET /v1/clients/me is dropped then, so the next ready round asks for the client again.
   */
  async healthy(): Promise<boolean> {
    try {
      await this.#client.health();
      return true;
    } catch {
      this.#ownClientRouteMissing = false;
      return false;
    }
  }

  /** Protects the descriptor (transform, seal, attest) and asks the hub who it is. */
  async identify(request: {
    descriptor: Float32Array;
    modelId: string;
    liveness: { passed: boolean; score?: number; checks?: string[]; reasons?: string[] };
    payee: string;
    amount: number;
  }): Promise<HubAnswer<IdentifyResponse>> {
    const connected = await this.#ensureConnected();
    if (!connected.ok) return connected;
    return this.#underCurrentKey(() => this.#identifyOnce(request));
  }

  /**
   * `protectAndAsk` once; when the hub answers transform_key_outdated (an admin re-keyed it since this
   * kiosk or station connected), the new key is fetched and it runs once more, protecting again under it.
   * The hub refuses an outdated face before it tries any PIN, so a PIN is never counted twice.
   */
  async #underCurrentKey<T>(protectAndAsk: () => Promise<HubAnswer<T>>): Promise<HubAnswer<T>> {
    const first = await protectAndAsk();
    if (first.ok || first.error.code !== 'transform_key_outdated') return first;
    const again = await this.connect();
    return again.ok ? protectAndAsk() : again;
  }

  /**
   * The PIN after a face: a single-use authorization. Only the hub's own error refuses it
   * (pinCheckRefusalOrUnknown): a gateway's 5xx, 408 or own 429 leaves the shopper at the PIN to type it
   * again.
   */
  async verifyPin(request: {
    personId: string;
    pin: string;
    payee: string;
    amount: number;
  }): Promise<HubAnswer<{ authorization: string; payer: string }>> {
    const connected = await this.#ensureConnected();
    if (!connected.ok) return connected;
    return this.#pinCheck(async () => {
      const sealedPin = this.#sealPin(request.pin, `verify:${request.personId}`, request);
      const answer = await this.#client.verifyPin({
        personId: request.personId,
        sealedPin,
        payee: request.payee,
        amount: request.amount,
      });
      return { ok: true, value: { authorization: answer.authorization, payer: answer.payer } };
    }, pinCheckRefusalOrUnknown);
  }

  /**
   * Member number + PIN, for when the face cannot be read (hub extension POST /v1/pin-authorizations); a
   * gateway's own answer is no refusal, as for verifyPin.
   */
  async pinAuthorization(request: {
    memberNumber: string;
    pin: string;
    payee: string;
    amount: number;
  }): Promise<HubAnswer<{ authorization: string; payer: string; displayNameMasked: string }>> {
    const connected = await this.#ensureConnected();
    if (!connected.ok) return connected;
    return this.#pinCheck(async () => {
      const sealedPin = this.#sealPin(request.pin, `member:${request.memberNumber}`, request);
      const answer = await this.#client.pinAuthorization({
        memberNumber: request.memberNumber,
        sealedPin,
        payee: request.payee,
        amount: request.amount,
      });
      return {
        ok: true,
        value: {
          authorization: answer.authorization,
          payer: answer.payer,
          displayNameMasked: answer.displayNameMasked,
        },
      };
    }, pinCheckRefusalOrUnknown);
  }

  /** A purchase hold (settled when placed), under the payment's own Idempotency-Key. */
  async placePurchase(request: KioskHoldRequest): Promise<HubAnswer<HoldView>> {
    return this.#placeHold(request, {
      template: 'purchase',
      expiresInSeconds: kioskPurchaseHoldLifetimeSeconds,
    });
  }

  /**
   * Clinic check-in: a clinic_visit hold for the cap, released by itself `expiresInSeconds` after
   * check-in (no-show) unless the clinic's consultation.completed settles it first.
   */
  async placeVisit(
    request: KioskHoldRequest & { expiresInSeconds: number },
  ): Promise<HubAnswer<HoldView>> {
    return this.#placeHold(request, {
      template: 'clinic_visit',
      expiresInSeconds: request.expiresInSeconds,
    });
  }

  async #placeHold(
    request: KioskHoldRequest,
    hold: { template: 'purchase' | 'clinic_visit'; expiresInSeconds: number },
  ): Promise<HubAnswer<HoldView>> {
    return this.#guard(async () => {
      const placed = await this.#client.placeHold(holdBody(request, hold), request.idempotencyKey);
      return { ok: true, value: placed };
    }, ownRefusalOrUnknown);
  }

  /**
   * After a hold request whose answer was lost: the very same request again, same body and Idempotency-Key,
   * sent only once the authorization it carries has expired (the caller waits). A hold the hub committed
   * comes back as its stored answer and is read again for its state now; a request it never committed is
   * refused (its authorization expired): null. Listing holds by reference could find another payment's hold
   * under a reused till reference and refund it. Only a refusal that is the stored answer replayed, or that
   * the hub gives only after it looked the key up (refusedAfterTheKey), proves that the first request placed
   * nothing; any other refusal may have come before that lookup (401, 429, 403 forbidden, 400, 404, 413,
   * 415, a key the hub says was reused) and says nothing of it: 'refusedBeforeTheKey'. Unreachable or 5xx:
   * errors, asked again later.
   */
  async findPlacedHold(
    sent: SentHold,
  ): Promise<HubAnswer<HoldView | null | 'refusedBeforeTheKey'>> {
    const hold = {
      template: sent.template,
      expiresInSeconds:
        sent.template === 'purchase'
          ? kioskPurchaseHoldLifetimeSeconds
          : sent.request.expiresInSeconds,
    };
    return this.#guard(
      async (): Promise<HubAnswer<HoldView | null | 'refusedBeforeTheKey'>> => {
        const placed = await this.#client.placeHold(
          holdBody(sent.request, hold),
          sent.request.idempotencyKey,
        );
        return { ok: true, value: await this.#client.getHold(placed.id) };
      },
      (error) => {
        if (error.status >= 500) {
          return failure('hub_unreachable', `asking again for a lost hold: ${error.message}`);
        }
        const proof = error.replayed || refusedAfterTheKey.has(error.code);
        return { ok: true, value: proof ? null : 'refusedBeforeTheKey' };
      },
    );
  }

  /** One hold as the hub sees it now (expiry is exact on read). */
  async readHold(holdId: string): Promise<HubAnswer<HoldView>> {
    return this.#guard(
      async () => ({ ok: true, value: await this.#client.getHold(holdId) }),
      readRefusalOrTryAgain,
    );
  }

  /** The newest holds between this kiosk's merchant and `payer` (or anyone), one page of `limit`. */
  async recentHolds(request: {
    payee: string;
    payer?: string;
    status?: 'active';
    limit: number;
  }): Promise<HubAnswer<HoldView[]>> {
    return this.#guard(async () => {
      const page = await this.#client.listHolds(request);
      return { ok: true, value: page.items };
    }, readRefusalOrTryAgain);
  }

  /**
   * The holds this kiosk's client placed on the payer of `sent` under its Idempotency-Key, which the hub
   * keeps with each hold for as long as it exists (GET /v1/holds?payer=&idempotencyKey=, an extension),
   * and since when it keeps them (`sinceMs`): after the stored answers are pruned, an empty list still
   * proves that a request sent after that placed nothing. null: this hub has no such lookup (an older hub
   * refuses the unknown filter, 400, or the route, 404). Unreachable, 401, 429, 5xx: errors, asked again
   * (a 5xx as hub_unreachable, like no answer: a fault that passes, KioskService.reconcile).
   */
  async holdsPlacedUnder(
    sent: SentHold,
  ): Promise<HubAnswer<{ holds: HoldView[]; sinceMs: number } | null>> {
    const { payer, idempotencyKey } = sent.request;
    return this.#guard(
      async (): Promise<HubAnswer<{ holds: HoldView[]; sinceMs: number } | null>> => {
        const page = await this.#client.listHolds({ payer, idempotencyKey });
        if (page.placedKeysSince === undefined) return { ok: true, value: null };
        return {
          ok: true,
          value: { holds: page.items, sinceMs: Date.parse(page.placedKeysSince) },
        };
      },
      (error) =>
        (error.status === 400 && error.code === 'invalid_request') || error.status === 404
          ? { ok: true, value: null }
          : outcomeUnknownOn5xx(error),
    );
  }

  /**
   * Releases what a hold still holds (idempotent under `idempotencyKey`). A 5xx may come after the release:
   * hub_unreachable, like a lost answer; asked again under the same key, the hub replays what it did.
   */
  async release(request: { holdId: string; idempotencyKey: string }): Promise<HubAnswer<HoldView>> {
    return this.#guard(async () => {
      const hold = await this.#client.holdAction(
        request.holdId,
        'release',
        {},
        request.idempotencyKey,
      );
      return { ok: true, value: hold };
    }, outcomeUnknownOn5xx);
  }

  /**
   * Enrolment station: the person with their sealed PIN, then their faces, each protected with this
   * kiosk's transform and sealed to the hub; the descriptors are zeroed once the hub answered. When the
   * faces fail (refused: a face enrolled for someone else, duplicate_face; or their answer lost), the
   * person just created is erased again, so neither the account nor the document stays taken. When that
   * erasure fails too, the answer names the person `leftBehind` (perhaps with the faces the hub stored):
   * the station's next try passes it back and it is erased first; before, that try was refused
   * already_enrolled while the person stayed, payable by face and unknown to the station. `onCreated`
   * hears the new person's id before their faces are sent (the station logs it: a restart must not lose
   * whom the hub created).
   * The station itself goes step by step (sealPerson, createPerson, addFaces) to keep its request.
   */
  async enrol(request: {
    person: Omit<CreatePersonRequest, 'sealedPin'>;
    pin: string;
    modelId: string;
    descriptors: readonly Float32Array[];
    leftBehind?: string | undefined;
    onCreated?: (personId: string) => Promise<void>;
  }): Promise<HubAnswer<PersonView> | { ok: false; error: KioskError; leftBehind: string }> {
    const zeroed = () => request.descriptors.forEach((descriptor) => descriptor.fill(0));
    const cleared =
      request.leftBehind === undefined
        ? await this.#ensureConnected()
        : await this.eraseLeftBehind(request.leftBehind);
    if (!cleared.ok) {
      zeroed();
      return cleared;
    }
    const sealed = await this.sealPerson(request.person, request.pin);
    const created = sealed.ok ? await this.createPerson(sealed.value) : sealed;
    if (!created.ok) {
      zeroed();
      return created;
    }
    try {
      await request.onCreated?.(created.value.id);
    } catch (error) {
      zeroed();
      throw error;
    }
    return this.addFaces({
      person: created.value,
      modelId: request.modelId,
      descriptors: request.descriptors,
    });
  }

  /**
   * Enrolment station: the person this station's client enrolled with this document (its keyed hash), or
   * null when it enrolled nobody there (a person another organisation enrolled is not shown either). Any
   * refusal (a hub older than GET /v1/persons answers 404; a revoked client 401) says nothing of that
   * person, so it is hub_unreachable: the caller keeps what it was checking.
   */
  async personWithDocument(documentHash: string): Promise<HubAnswer<PersonView | null>> {
    const connected = await this.#ensureConnected();
    if (!connected.ok) return failure('hub_unreachable', connected.error.message);
    return this.#guard(
      async () => {
        const page = await this.#client.findPersons({ documentHash });
        return { ok: true, value: page.items[0] ?? null };
      },
      (error) => failure('hub_unreachable', `looking for an enrolled person: ${error.message}`),
    );
  }

  /**
   * Enrolment station: erases the person a failed try left behind (HubLink.enrol), before the next try;
   * when that fails the answer names them again.
   */
  async eraseLeftBehind(
    personId: string,
  ): Promise<HubAnswer<null> | { ok: false; error: KioskError; leftBehind: string }> {
    const connected = await this.#ensureConnected();
    const erased = connected.ok ? await this.erasePerson(personId) : connected;
    return erased.ok ? erased : { ...erased, leftBehind: personId };
  }

  /**
   * Enrolment station: the body of POST /v1/persons, the PIN sealed to the hub. Sealed once per try and
   * kept: a seal is single-use and random, so a request asked again under its Idempotency-Key (its answer
   * lost) must be this very body.
   */
  async sealPerson(
    person: Omit<CreatePersonRequest, 'sealedPin'>,
    pin: string,
  ): Promise<HubAnswer<CreatePersonRequest>> {
    const connected = await this.#ensureConnected();
    if (!connected.ok) return connected;
    return { ok: true, value: { ...person, sealedPin: this.#sealPin(pin, 'enrol') } };
  }

  /**
   * Enrolment station: POST /v1/persons, under `idempotencyKey` when given (the hub then answers a request
   * asked again with the person it created). The account or the document enrolled already (no face
   * compared yet) is already_enrolled; a 5xx may come after the person was created: outcome unknown
   * (hub_unreachable), so the station keeps the enrolment for another try. `askingAgain`: a request that
   * may have reached the hub before, under the same key: a 401, or a 403 that is not the stored answer
   * replayed (the station's client revoked, its role changed), was refused before the hub looked the key
   * up and says nothing of the first request's fate, so it is an unknown outcome too (`refusedRunAgain`:
   * the hub may store a 403 of its own checks as the key's answer). `replayProvesNothing`: an earlier ask got
   * such a refusal, so a refusal replayed now may be that one, not the first request's: taken as run again
   * (not 410 person_erased: see below).
   */
  async createPerson(
    body: CreatePersonRequest,
    idempotencyKey?: string,
    options: { askingAgain?: boolean; replayProvesNothing?: boolean } = {},
  ): Promise<CreatePersonAnswer> {
    const connected = await this.#ensureConnected();
    if (!connected.ok) {
      // Asking again on a link not connected yet (the station just started): a refused connection (the
      // station's client revoked: 401) comes before the hub looks the key up, like a 401 on the request.
      if (options.askingAgain !== true) return connected;
      return failure(
        'hub_unreachable',
        `asking again for an enrolment: ${connected.error.message}; its outcome is still unknown`,
      );
    }
    return this.#guard(
      async () => ({
        ok: true as const,
        value: await this.#client.createPerson(body, idempotencyKey),
      }),
      (error) => {
        // A replayed 410 person_erased is proof even then: it stands for a stored 201, so a run of this very
        // body created a person, erased since; the hub holds one person per account and document (checked
        // again where it inserts), so a person the first send created (if that run was not the first send)
        // was gone before it.
        const erasedSince = error.status === 410 && error.code === 'person_erased';
        const replayed = error.replayed && (options.replayProvesNothing !== true || erasedSince);
        const beforeTheKey = error.status === 401 || (error.status === 403 && !replayed);
        if (options.askingAgain === true && beforeTheKey) {
          const unknown = failure(
            'hub_unreachable',
            `asking again for an enrolment: ${error.message}; its outcome is still unknown`,
          );
          return { ...unknown, refusedRunAgain: !error.replayed };
        }
        const answer =
          error.code === 'duplicate_enrolment'
            ? failure('already_enrolled', error.message)
            : ownRefusalOrUnknown(error);
        // A refusal (not an unknown outcome) says whether the hub replayed it for this very request.
        return answer.error.code === 'hub_unreachable' ? answer : { ...answer, replayed };
      },
    );
  }

  /**
   * Enrolment station: the faces of a person just created, protected, sealed, and zeroed however this ends.
   * When they fail the person is erased again; when that fails too, the answer names them `leftBehind`
   * (HubLink.enrol). Faces protected under a key the hub has since replaced (an admin's re-key) are
   * protected again once under the key fetched anew, as an identify's probe is; else the station would
   * erase every person it enrols until restarted.
   */
  async addFaces(request: {
    person: PersonView;
    modelId: string;
    descriptors: readonly Float32Array[];
  }): Promise<HubAnswer<PersonView> | { ok: false; error: KioskError; leftBehind: string }> {
    const { person, modelId, descriptors } = request;
    try {
      const added = await this.#underCurrentKey(() =>
        this.#addFacesOnce(person.id, modelId, descriptors),
      );
      if (added.ok) return { ok: true, value: { ...person, templates: descriptors.length } };
      const erased = await this.erasePerson(person.id);
      return erased.ok ? added : { ...added, leftBehind: person.id };
    } finally {
      descriptors.forEach((descriptor) => descriptor.fill(0));
    }
  }

  async #addFacesOnce(
    personId: string,
    modelId: string,
    descriptors: readonly Float32Array[],
  ): Promise<HubAnswer<null>> {
    return this.#guard(async () => {
      const sealedTemplates = this.#sealTemplates(modelId, descriptors);
      await this.#client.addTemplates(personId, { modelId, sealedTemplates });
      return { ok: true as const, value: null };
    }, duplicateFace);
  }

  /**
   * Enrolment station: a child's guardian consents by face and PIN. The face is protected and attested
   * with the child's account and the limits (the hub refuses other limits under this signature), the
   * PIN sealed for `guardian:<childAccountId>`; the descriptor is zeroed once the hub answered (it is sealed
   * again after a re-key, see below).
   */
  async guardianConsent(request: {
    descriptor: Float32Array;
    modelId: string;
    liveness: LivenessVerdict;
    pin: string;
    childAccountId: string;
    limits: { perPaymentMax?: number | undefined; dailyMax?: number | undefined };
    blockedCategories: string[];
  }): Promise<HubAnswer<GuardianConsentView>> {
    const connected = await this.#ensureConnected();
    if (!connected.ok) {
      request.descriptor.fill(0);
      return connected;
    }
    try {
      // A 5xx may come after the hub granted the consent: an unknown outcome the guardian tries again
      // (a consent nobody spends lapses at the hub), not a refusal that ends the child's enrolment.
      return await this.#underCurrentKey(() =>
        this.#pinCheck(() => this.#guardianConsentOnce(request), outcomeUnknownOn5xx),
      );
    } finally {
      request.descriptor.fill(0);
    }
  }

  async #guardianConsentOnce(
    request: Parameters<HubLink['guardianConsent']>[0],
  ): Promise<HubAnswer<GuardianConsentView>> {
    const terms = {
      childAccountId: request.childAccountId,
      limits: request.limits as CreatePersonLimits,
      blockedCategories: request.blockedCategories,
    };
    const attested = protectAndAttestGuardian({
      ...this.#attesting(request, 'guardian consent'),
      ...terms,
    });
    const answer = await this.#client.guardianConsent({
      modelId: request.modelId,
      liveness: { ...request.liveness } as GuardianConsentRequest['liveness'],
      sealedPin: this.#sealPin(request.pin, `guardian:${request.childAccountId}`),
      ...terms,
      ...attested,
    });
    return { ok: true, value: answer };
  }

  /**
   * Enrolment station: erases a person this station's client enrolled; the hub destroys the templates. A
   * person the hub does not know (404) is erased already, by an earlier erasure whose answer was lost (it
   * was refused for ever before) or by the hub's admin; a 5xx may come after the erasure: outcome unknown.
   */
  async erasePerson(personId: string): Promise<HubAnswer<null>> {
    return this.#guard(
      async () => {
        await this.#client.deletePerson(personId);
        return { ok: true, value: null };
      },
      (error) =>
        error.status === 404 && error.code === 'not_found'
          ? { ok: true, value: null }
          : outcomeUnknownOn5xx(error),
    );
  }

  /**
   * Enrolment station: unlocks a locked PIN on the officer's ID check (the enrolled document's hash). A 5xx
   * may come after the unlock: outcome unknown (try again), not a refusal the officer passes on.
   */
  async unlockPin(
    personId: string,
    idDocument: CreatePersonRequest['idDocument'],
  ): Promise<HubAnswer<null>> {
    return this.#guard(async () => {
      await this.#client.unlockPin(personId, { idDocument });
      return { ok: true, value: null };
    }, outcomeUnknownOn5xx);
  }

  #sealTemplates(modelId: string, descriptors: readonly Float32Array[]): string[] {
    const transform = this.#transform;
    const hubPublicKey = this.#hubKey;
    assert(transform !== null && hubPublicKey !== null, 'enrol runs after connect');
    // The caller zeroes the descriptors (addFaces, once the hub answered: they may be sealed again).
    return descriptors.map((descriptor) => {
      const sealed = protectProbe({
        descriptor,
        transform,
        hubPublicKey,
        modelId,
        nowMs: this.#hubClock.now(),
      });
      return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
    });
  }

  /**
   * Gives the settled money of a hold back to the payer (idempotent under `idempotencyKey`). A 5xx may come
   * after the refund: hub_unreachable, like a lost answer (see release).
   */
  async refund(request: {
    holdId: string;
    amount: number;
    idempotencyKey: string;
  }): Promise<HubAnswer<HoldView>> {
    return this.#guard(async () => {
      const hold = await this.#client.holdAction(
        request.holdId,
        'refunds',
        { amount: request.amount },
        request.idempotencyKey,
      );
      return { ok: true, value: hold };
    }, outcomeUnknownOn5xx);
  }

  dispose(): void {
    this.#transform?.dispose();
    this.#transform = null;
  }

  async #ensureConnected(): Promise<HubAnswer<unknown>> {
    if (this.ready) return { ok: true, value: null };
    return this.connect();
  }

  async #identifyOnce(request: Parameters<HubLink['identify']>[0]) {
    return this.#guard(async (): Promise<HubAnswer<IdentifyResponse>> => {
      const protectedProbe = protectAndAttest({
        ...this.#attesting(request, 'identify'),
        payee: request.payee,
        amount: request.amount,
      });
      const answer = await this.#client.identify({
        modelId: request.modelId,
        liveness: request.liveness,
        payee: request.payee,
        amount: request.amount,
        ...protectedProbe,
      });
      return { ok: true, value: answer };
    });
  }

  /** What protecting and attesting a live face needs of this kiosk: its transform, the hub's key, its signing key. */
  #attesting<L>(request: { descriptor: Float32Array; modelId: string; liveness: L }, what: string) {
    const transform = this.#transform;
    const hubPublicKey = this.#hubKey;
    assert(transform !== null && hubPublicKey !== null, `${what} runs after connect`);
    const { kioskId, identity } = this.#options;
    return {
      descriptor: request.descriptor,
      transform,
      hubPublicKey,
      modelId: request.modelId,
      nowMs: this.#hubClock.now(),
      kiosk: { kioskId, signingSecretKey: identity.signing.secretKey },
      liveness: request.liveness,
    };
  }

  /** A payment's PIN is bound, inside the seal, to the payee and amount: no other till can present it. */
  #sealPin(pin: string, purpose: string, payment?: { payee: string; amount: number }): string {
    const hubPublicKey = this.#hubKey;
    assert(hubPublicKey !== null, 'PINs are sealed after connect');
    const sealed = sealPin({
      hubPublicKey,
      pin,
      purpose,
      nowMs: this.#hubClock.now(),
      ...(payment === undefined ? {} : { binding: pinPaymentBinding(payment) }),
    });
    return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
  }

  /**
   * The hub allows a till one PIN check a second and answers 429 without counting a try: a shopper who
   * types fast waits a second rather than seeing an error. Freshly sealed each time (a seal is single-use).
   * A second 429 says so (pinNotChecked): the screen tells the shopper that no PIN was checked, not a wrong one.
   * Only the hub's own 429 (its rate_limited, hubStatus set) is sent again: a gateway's 429 (outcomeUnknownOn5xx)
   * may come after it forwarded the check and the hub counted a wrong PIN, and sending it again would count
   * one typed PIN twice (3 lock the PIN until an officer's ID check); it is answered as it came.
   */
  async #pinCheck<T>(
    work: () => Promise<HubAnswer<T>>,
    translate?: (error: HubRequestError) => HubAnswer<T>,
  ): Promise<HubAnswer<T>> {
    const rateLimitedByHub = (answer: HubAnswer<T>) =>
      !answer.ok && answer.error.code === 'rate_limited' && answer.error.hubStatus !== undefined;
    const first = await this.#guard(work, translate);
    if (!rateLimitedByHub(first)) return first;
    await new Promise((resolve) => setTimeout(resolve, pinRetryAfterRateLimitMs));
    const again = await this.#guard(work, translate);
    if (again.ok || !rateLimitedByHub(again)) return again;
    return { ok: false, error: { ...again.error, pinNotChecked: true } };
  }

  /**
   * A call the hub refused for who this kiosk is, not for what it asked: the till's token (401) or this
   * kiosk's registration (kiosk_revoked, an identify's attestation). Not ready from now on: the next round
   * connects again, and its answer says whether the hub still refuses (see connect).
   */
  #noteCredentialsRefused(error: HubRequestError): void {
    if (error.status !== 401 && error.code !== 'kiosk_revoked') return;
    this.#credentialsRefused = { status: error.status, code: error.code };
  }

  /** POST /v1/kiosks/:id/alerts, signed now by the hub's clock with a fresh nonce (the same alert id each time). */
  async sendKioskAlert(alert: KioskAlert): Promise<AlertDelivery> {
    const { kioskId, identity } = this.#options;
    const seen: { refusal: HubRequestError | null } = { refusal: null };
    const sent = await this.#guard(
      async (): Promise<HubAnswer<null>> => {
        const signed = signKioskAlert({
          kioskId,
          alert,
          signingSecretKey: identity.signing.secretKey,
          nowMs: this.#hubClock.now(),
        });
        await this.#client.reportKioskAlert(kioskId, { ...alert, ...signed });
        return { ok: true, value: null };
      },
      (error) => {
        seen.refusal = error;
        return fromHubError(error);
      },
    );
    if (sent.ok) return { outcome: 'delivered' };
    const { refusal } = seen;
    if (refusal === null) return { outcome: 'later', reason: sent.error.message };
    const reason = `${refusal.status} ${refusal.code}`;
    return { outcome: alertRefusedForGood(refusal) ? 'refused' : 'later', reason };
  }

  /** Hub errors become kiosk results; only a programmer error escapes as an exception. */
  async #guard<T>(
    work: () => Promise<HubAnswer<T>>,
    translate: (error: HubRequestError) => HubAnswer<T> = fromHubError,
  ): Promise<HubAnswer<T>> {
    try {
      return await work();
    } catch (error) {
      // An answer that could not be read (a proxy's HTML error page, a body cut short) may come after the
      // request was carried out: an unknown outcome like a lost answer, never a refusal, so a payment
      // goes to reconcile rather than staying open.
      if (error instanceof HubAnswerUnreadableError) {
        return failure(
          'hub_unreachable',
          `the payment service's answer (${error.status}) could not be read`,
        );
      }
      if (error instanceof HubUnreachableError) {
        return failure('hub_unreachable', 'the payment service cannot be reached');
      }
      if (error instanceof HubRequestError) {
        this.#noteCredentialsRefused(error);
        return translate(error);
      }
      throw error;
    }
  }
}

/** POST /v1/holds's body for a kiosk hold: built in one place, so a request asked again is byte for byte the first. */
function holdBody(
  request: KioskHoldRequest,
  hold: { template: 'purchase' | 'clinic_visit'; expiresInSeconds: number },
) {
  return {
    payer: request.payer,
    payee: request.payee,
    amount: request.amount,
    currency: 'JPY' as const,
    reference: request.reference,
    expiresInSeconds: hold.expiresInSeconds,
    template: { name: hold.template },
    authorization: request.authorization,
    ...(request.category === null ? {} : { category: request.category }),
  };
}

/**
 * A refusal of connect that is about this kiosk's credentials, which no retry alone will change: the
 * till's token unknown or revoked (401), the kiosk revoked, registered to another client or signed with
 * other keys (403), or no kiosk of that id at this hub (404 not_found; a proxy's 404 page is unreadable,
 * hence out of reach). 5xx and 429 are out of reach; other 4xx (a stale signed request) are neither.
 */
function refusesKiosk(error: HubRequestError): boolean {
  if (error.status === 401 || error.status === 403) return true;
  return error.status === 404 && error.code === 'not_found';
}

/**
 * The hub's own refusals that say the alert itself, or this kiosk, will never be taken: its body refused
 * (invalid_request, payload_too_large: the same bytes are sent again), its alert id taken by another alert
 * (idempotency_key_reused), or the kiosk revoked (kiosk_revoked: a revocation is not undone). Sending such an
 * alert again only blocks the ones behind it (the outbox sends in order).
 */
const alertRefusalsForGood: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_request',
  'payload_too_large',
  'idempotency_key_reused',
  'kiosk_revoked',
]);

/**
 * A refusal of an alert that sending it again will not change: only one of alertRefusalsForGood, in the
 * hub's own error body. Anything else keeps the alert for a later round: a gateway's 4xx in its own JSON
 * (code 'unknown': `{"message":"no Route matched"}`, a 400 "upstream request timeout"), an older hub without
 * the alerts route (404 not_found, 405), the token refused (401), 429, 5xx, a signed request the hub found
 * stale or replayed, or a signature it did not take (kiosk_signature_invalid: keys provisioned again).
 */
function alertRefusedForGood(error: HubRequestError): boolean {
  if (error.status >= 500 || error.status === 429 || error.status === 401) return false;
  return isHubErrorCode(error.code) && alertRefusalsForGood.has(error.code);
}

function failure(code: KioskErrorCode, message: string): { ok: false; error: KioskError } {
  return { ok: false, error: { code, message } };
}

/**
 * A hold request answered 5xx (a proxy's 502/504, a hub that failed after its commit) may have moved the
 * money: like a lost answer it is hub_unreachable, so the kiosk looks for the hold once the hub answers
 * (KioskService.reconcile) instead of telling the shopper a refusal while the hold stands.
 */
function outcomeUnknownOn5xx(error: HubRequestError): { ok: false; error: KioskError } {
  // A gateway's own 429 (no hub error code) passes by itself, as the hub's rate_limited does: never a
  // refusal. The hub's own 429s keep their codes (pin_checks_suspended is the station's to explain).
  if (error.status === 429 && !isHubErrorCode(error.code)) {
    return failure('rate_limited', error.message);
  }
  if (error.status < 500) return fromHubError(error);
  return failure(
    'hub_unreachable',
    `the payment service answered ${error.status}: outcome unknown`,
  );
}

/**
 * A read's refusal. A 502, 503 or 504 says "try again" (the hub's own 503 unavailable: its database busy, a
 * hub restarting; Fastify's 503 while it closes; a gateway's 502 or 504): hub_unreachable, as no answer
 * is, so a clinic check-in during a hub restart fails as out of reach (nothing placed), never as refused.
 * A read moves no money, so there is no outcome to keep (a hold request's 5xx: outcomeUnknownOn5xx).
 * The hub's own answer keeps its status and words (hubStatus, hubMessage): the hub answered, so a
 * background read (the clinic board's refresh) does not mark it out of reach for it.
 */
function readRefusalOrTryAgain(error: HubRequestError): { ok: false; error: KioskError } {
  if (error.status === 502 || error.status === 503 || error.status === 504) {
    const tryAgain = failure(
      'hub_unreachable',
      `the payment service answered ${error.status} (${error.code}): try again`,
    );
    if (!isHubErrorCode(error.code)) return tryAgain;
    const answered = { hubStatus: error.status, hubMessage: error.hubMessage };
    return { ok: false, error: { ...tryAgain.error, ...answered } };
  }
  return fromHubError(error);
}

/**
 * A 4xx to a request that creates something (a hold, a person) proves that nothing was created only when
 * the hub itself gave it: its error body with one of its codes. Anything else (a proxy's 408 with an empty
 * body, a gateway's 400 or 404 in its own JSON) may come after the proxy forwarded the request and the hub
 * created it, as a gateway's 429 may: an unknown outcome, so the request stays written down to be asked
 * again: a hold in pending-holds for reconcile (KioskService.#sendHold) instead of closing as refused while
 * the shopper's money is taken; a person in pending-persons (EnrolmentStation.#createPerson) instead of the
 * account and document staying taken by a person without a face the station forgot. A shopper's PIN check
 * too (verifyPin, pinAuthorization): a gateway's fault is no refusal that closes the payment.
 */
function ownRefusalOrUnknown(error: HubRequestError): { ok: false; error: KioskError } {
  if (error.status >= 500 || error.status === 429 || isHubErrorCode(error.code)) {
    return outcomeUnknownOn5xx(error);
  }
  return failure(
    'hub_unreachable',
    `the payment service's answer (${error.status}) was not its own: outcome unknown`,
  );
}

/**
 * A shopper's PIN check (verify-pin, pin-authorizations): ownRefusalOrUnknown, and a gateway's own 429 is
 * hub_unreachable too. It may come after the hub counted a try, so it is neither sent again (#pinCheck)
 * nor a "busy, look at the camera again" (the hold's 429): the shopper stays at the PIN and types it again.
 */
function pinCheckRefusalOrUnknown(error: HubRequestError): { ok: false; error: KioskError } {
  if (error.status === 429 && !isHubErrorCode(error.code)) {
    return failure('hub_unreachable', `a gateway answered the PIN check ${error.status}`);
  }
  return ownRefusalOrUnknown(error);
}

/**
 * A hub refusal as the kiosk's code; a code the screens do not explain as such is hub_refused, with the
 * hub's own code beside it (hubCode), as the officer's screen words the hub's reason. Any code the hub's
 * own carries its status and words apart (hubStatus, hubMessage); a stranger's (a proxy's) carries neither.
 */
function fromHubError(error: HubRequestError): { ok: false; error: KioskError } {
  const code = error.code as KioskErrorCode;
  const attemptsLeft = attemptsLeftOf(error.body);
  const known = passedThrough.has(code) ? code : 'hub_refused';
  return {
    ok: false,
    error: {
      code: known,
      message: error.message,
      ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
      ...(known === 'hub_refused' && isHubErrorCode(error.code) ? { hubCode: error.code } : {}),
      ...(isHubErrorCode(error.code)
        ? { hubStatus: error.status, hubMessage: error.hubMessage }
        : {}),
    },
  };
}

/**
 * A face already enrolled for someone else. The officer may see that person's masked id when the hub
 * names one (`existingPersonMasked` in the error body), never more.
 */
function duplicateFace(error: HubRequestError): { ok: false; error: KioskError } {
  if (error.code !== 'duplicate_enrolment') return fromHubError(error);
  const body = error.body as { error?: { existingPersonMasked?: unknown } } | null;
  const masked = body?.error?.existingPersonMasked;
  return {
    ok: false,
    error: {
      code: 'duplicate_face',
      message: 'this face is already enrolled for another person',
      ...(typeof masked === 'string' && masked.length <= 64
        ? { existingPersonMasked: masked }
        : {}),
    },
  };
}

function attemptsLeftOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: { attemptsLeft?: unknown } }).error;
  const left = error?.attemptsLeft ?? (body as { attemptsLeft?: unknown }).attemptsLeft;
  return typeof left === 'number' && Number.isSafeInteger(left) ? left : undefined;
}
