// Every bound of the system in one place, units last in the name (TIGER_STYLE "put a limit on everything").
// Changing a limit here changes it for the hub, the kiosk and the tests alike.

// Money (integer minor units; JPY has none below the yen).
export const amountMinorMax = 1_000_000_000_000;
/**
 * All money the issuer put in (deposits) at most: every balance, held sum and balance plus one amount
 * then stays a safe integer (Number.MAX_SAFE_INTEGER is about 9.007e15), so a deposit past it is a
 * refusal (`balance_max_exceeded`), never an arithmetic assertion.
 */
export const issuedMinorMax = 9_000_000_000_000_000;
/**
 * What a payer committed in a period, as the store reports it at most: above every limit it is compared
 * with (a daily or standing limit is an amount, at most amountMinorMax), so a sum clamped here is over
 * them all, and it stays a safe integer however many holds were cycled through refunds.
 */
export const committedReportedMax = amountMinorMax + 1;

// Holds.
export const holdLifetimeSecondsMax = 31_536_000;
export const holdSettlementsMax = 50;
/** Refund rows one hold takes: each settlement refunded in two parts; one yen at a time cannot grow a hold without end. */
export const holdRefundsMax = 100;
export const holdRulesMax = 16;
export const holdEventsMax = 200;
export const holdReferenceLengthMax = 256;
export const holdCategoryLengthMax = 64;
export const eventTypeLengthMax = 64;
export const escrowReturnWindowSecondsMax = 7_776_000;

// HTTP.
export const requestBodyBytesMax = 65_536;
export const idempotencyKeyLengthMax = 255;
export const idempotencyRetentionSeconds = 48 * 3600;
/**
 * A kiosk asking the hub again for a hold whose answer was lost trusts "nothing was placed" only this
 * long after it sent the request: later, the hub may have pruned the stored answer (above), so a refusal
 * proves nothing and the kiosk asks for the hold by its key (below); only a hub without that lookup leaves
 * the payment for staff (kiosk status `paymentsToCheck`). Six hours short of the retention: the hub
 * prunes hourly, and a kiosk's clock may have been corrected meanwhile.
 */
export const lostHoldAnswerTrustedMs = (idempotencyRetentionSeconds - 6 * 3600) * 1000;
/**
 * Past that, the kiosk asks for the hold by its key (GET /v1/holds?payer=&idempotencyKey=); a hub keeps
 * keys only since its upgrade (`placedKeysSince`), so "none under this key" proves "never placed" only for
 * a request sent this long after it: by the kiosk's clock, which may have been corrected meanwhile.
 */
export const lostHoldKeysSinceMarginMs = 6 * 3600 * 1000;
/**
 * Refusals (not unreachable, 5xx or 429) of a lost hold request's look-up, release or refund after which
 * staff see it (kiosk status `paymentsToCheck`, `hubRefusal`) while the kiosk keeps asking every round. Not
 * the first: it may be a race (the hold closed or changed under the request), read again next round.
 */
export const lostHoldRefusalsShownToStaff = 2;
/** The hub's message kept with such a refusal (kiosk status `hubRefusal.hubMessage`), for its operator. */
export const hubRefusalMessageCharsMax = 300;
/**
 * A lost hold request is asked again only this long past its authorization's lifetime
 * (paymentAuthorizationLifetimeMs) after it was sent: the hub issued the authorization before the kiosk
 * sent the request, so by then it has surely expired, and asking again can find the hold it placed but
 * never place one. The margin is for the hub's clock, which judges the expiry, and the kiosk's, which
 * counts the wait, disagreeing by a few seconds. The wait counts elapsed time, not the kiosk's wall clock
 * (set forward it would end the wait early: the request asked again would place the hold, and reconcile
 * refund it); pending-holds.json keeps its time left, and a restart counts that again from its start.
 */
export const reconcileMarginMs = 10_000;
/**
 * While a lost hold request waits (above), reconcile writes its time left to pending-holds.json this
 * often: after a restart (whose downtime never counts) it waits at most this much longer than it had left.
 */
export const reconcileWaitCheckpointMs = 30_000;
export const listLimitDefault = 50;
export const listLimitMax = 500;
export const nameLengthMax = 200;
export const idLengthMax = 64;
export const eventTypesPerClientMax = 32;
export const blockedCategoriesMax = 64;

// Hub internals.
export const writeBatchJobsMax = 256;
/** Clients whose token the SQLite hub keeps in memory; past it the cache starts over (one read each). */
export const clientTokenCacheMax = 10_000;
/** Bearer-token lookups answered by one PostgreSQL statement (requests that arrived together). */
export const tokenLookupBatchMax = 256;
export const expirySweepBatchMax = 500;
export const expirySweepIntervalMs = 500;
export const accountDailyWindowSeconds = 86_400;
export const standingLimitLifetimeSecondsMax = 5 * 31_536_000;

// Identity in the hub.
export const templatesPerPersonMax = 10;
export const paymentAuthorizationLifetimeMs = 120_000;
export const pinAttemptsMax = 3;
/**
 * Looks at the camera for one payment or check-in, each ended by the hub's comparison or by the kiosk's
 * own refusal (liveness, the challenge, timeout); past these the shopper pays by member number and PIN, or
 * asks staff. A comparison is one more chance that a stranger is taken for a member (issue 8: FMR about 1%
 * out of sample); a refusal is one more draw of the challenge, which a replayed recording passes when the
 * order drawn is the one it performs (bench:challenge --from clip-start: 1 in 20 per draw), and an endless
 * retry button would let it draw until one fits. A look whose answer never came back is not counted.
 */
export const faceTriesPerPaymentMax = 3;
/**
 * Looks in a row, across payments and check-ins, that the kiosk refused or that matched nobody; at this many
 * the kiosk reads no face (every payment and check-in goes by member number and PIN, or staff) until staff
 * resume face checks on the operator screen. faceTriesPerPaymentMax bounds one payment only: a patient tapping
 * "check in" again, or a till opening payment after payment, would give a replayed recording 3 fresh
 * challenge draws each time (1 in 20 passes). Two payments' worth: a real person who used a payment's three
 * and tries once more is not stopped. A payment or check-in paid by face starts the count again; a match
 * alone does not (a member could show their own face, tap "Not me", and draw again).
 */
export const faceLooksFailedInARowMax = 6;
/** Argon2id costs ~150 ms of the hub's CPU: a till may ask for at most this many PIN checks a second. */
export const pinChecksPerSecondPerClient = 1;
/**
 * Wrong PINs (a person's, or any try on a member number nobody holds) one client may send in 24 hours
 * before the hub refuses its PIN checks: a till spraying one PIN over many member numbers never meets
 * any one person's 3-try lock. A shop's typos stay far below it.
 */
export const pinFailuresPerDayPerClientMax = 50;
export const pinFailureWindowMs = 86_400_000;
export const identificationMemoryMs = 120_000;
export const identificationsRememberedMax = 10_000;
export const identifyCandidatesK = 5;
/** Under this age an account is a child's: face + 4-digit PIN always. */
export const adultAgeYears = 18;
/** Target: a stranger is taken for an enrolled person at most once in this many payments. */
export const falsePaymentRateMax = 1e-5;
/** Member number + PIN without a face is one factor: above this amount (JPY) the face is required. */
export const pinOnlyAmountMax = 10_000;
/** Unknown member numbers whose wrong PINs are counted like a person's, so they look alike. */
export const unknownMemberNumbersRememberedMax = 100_000;
/** Random draws for an unused member number (9 x 10^8 of them) before enrolment is refused. */
export const memberNumberDrawsMax = 100;

// Liveness.
export const padImageSideMinPixels = 32;
export const padImageSideMaxPixels = 8192;
export const padResizeSideMaxPixels = 256;
export const padLbpPointsMax = 16;
export const padLbpRadiusMaxPixels = 4;
export const padModelBytesMax = 4_194_304;
export const padModelFeaturesMax = 20_000;
export const padEvalImagesMax = 20_000;
export const padEvalImageBytesMax = 33_554_432;
export const padEvalFramesPerVideoMax = 64;

// Biometrics.
export const faceImageBytesMax = 33_554_432;
export const faceImagePixelsMax = 40_000_000;
export const faceImageSideMaxPixels = 16_384;
export const faceImageSideMinPixels = 16;
export const faceFrameSideMaxPixels = 1280;
export const faceDetectionSideMinPixels = 224;
export const faceModelFileBytesMax = 16_777_216;
export const faceModelFilesMax = 64;
export const faceDetectionsPerFrameMax = 10;

// Template protection.
export const templateDimensionMin = 8;
export const templateDimensionMax = 1024;
/**
 * The length of the descriptor the kiosk's face engine gives (face-api's recognition model) and its
 * cancelable transform is made for: the kiosk API refuses any other at its door.
 */
export const kioskDescriptorLength = 128;
export const templateKeyBytes = 32;
export const templateBindingIdLengthMax = 128;
export const sealedTemplateBytesMax = 8_192;
export const probeAgeMsMax = 30_000;
export const probeFutureSkewMsMax = 5_000;
/**
 * A kiosk reads the hub's clock (hubTimeHeader) only from an answer back within this long: the hub stamped
 * it somewhere in the round trip, so its reading is at most half of it off, well inside probeFutureSkewMsMax.
 */
export const hubClockRoundTripMsMax = 2_000;
/**
 * How far one answer may move the hub's clock a kiosk learned (src/main/hub-clock.ts): two readings are each
 * at most half a quick round trip off (hubClockRoundTripMsMax), so honest ones agree within this. A reading
 * further off (a hub whose clock was stepped, a cached answer, one forged on a plain-HTTP link) is taken
 * only once hubClockAgreeingAnswers answers in a row agree on it.
 */
export const hubClockStepMsMax = hubClockRoundTripMsMax;
export const hubClockAgreeingAnswers = 3;
/**
 * Before any reading, how far the first may be from the kiosk's own clock and be taken at once (a kiosk
 * clock somewhat off, the reason the hub's time is read); further needs hubClockAgreeingAnswers in a row.
 */
export const hubClockFirstReadingMsMax = 3_600_000;
/** No hub time before this (2020-01-01) is a clock: a Hub-Time of 0 or so is refused outright. */
export const hubClockEarliestMs = Date.UTC(2020, 0, 1);
export const probeLabelLengthMax = 128;
export const probePayloadBytesMax = 8_192;
export const sealedProbeBytesMax = 8_448;
export const replayGuardEntriesMax = 200_000;
export const pinDigitsChild = 4;
export const pinDigitsMin = 4;
export const pinDigitsMax = 8;
export const pinArgon2OpsLimit = 2;
export const pinArgon2MemLimitBytes = 67_108_864;
export const pinVerifierLengthMax = 256;
export const keyFileBytesMax = 1_024;
export const galleryTemplatesMax = 2_000_000;
export const galleryTopKMax = 100;
export const galleryCapacityInitial = 1_024;

// Calibration and face evaluation (scripts/calibrate.ts, eval-faces.ts).
export const calibrationPairsMax = 200_000;
export const calibrationImagesMax = 20_000;
export const calibrationImageBytesMax = 33_554_432;
export const calibrationCacheBytesMax = 268_435_456;
export const trackingRedetectEveryFramesMax = 240;

// Active liveness and the replay harness.
export const activeChallengesMax = 8;
export const activeChallengeTimeLimitMsMax = 30_000;
export const blinkBaselineWindowFramesMax = 600;
export const replayFramesMax = 480;
export const replaySegmentFrames = 48;
export const replayFramesPerSecondMax = 30;
export const replayVideoSecondsMax = 7_200;
export const replayFolderFilesMax = 100_000;
export const replayReportFramesMax = 8;
export const replayReportFrameSidePixels = 320;

// Kiosk devices (registration, transform-key provisioning, identify attestation).
/** Kiosks ever registered to one client, revoked ones included. */
export const kiosksPerClientMax = 1_000;
/** A signed provisioning request is fresh for as long as a sealed probe (probeAgeMsMax, probeFutureSkewMsMax). */
export const kioskRequestAgeMsMax = probeAgeMsMax;
export const kioskRequestFutureSkewMsMax = probeFutureSkewMsMax;
/** An alert's failed looks in a row (the pause comes at faceLooksFailedInARowMax; more never counts). */
export const kioskAlertFailedLooksMax = 10_000;

// The kiosk app (kiosk service, web shell, renderer).
/** Alerts a kiosk keeps for its hub while it is out of reach (kiosk-alerts-outbox.ts); past it, the oldest go. */
export const kioskAlertsQueuedMax = 100;
/** The most a kiosk asks for in one payment (a shop counter, not a car dealer). */
export const kioskPaymentAmountMax = 10_000_000;
/** Expiry the kiosk gives a purchase hold (the hub settles it when placed, so it never runs out). */
export const kioskPurchaseHoldLifetimeSeconds = 300;
/** Camera frames waiting for the engine: a newer frame replaces a waiting one, frames never pile up. */
export const frameQueueLengthMax = 1;
/** The renderer's frame tick. */
export const frameTickMs = 66;
/** Longest side of a frame handed to the engine. */
export const kioskFrameSideMaxPixels = 640;
/**
 * The renderer's WebSocket to the kiosk service opens within this long or the page's start fails as if it
 * were refused (its failure screen, its back-off): a shell on the same machine answers in milliseconds.
 */
export const kioskServiceOpenMsMax = 10_000;
/**
 * The kiosk service answers the page's start-up status call within this long, or the start fails as an
 * unopened socket does: a socket opened to a service that never answers would leave the page blank for good.
 * The service reads its status from memory, so it answers in milliseconds.
 */
export const kioskServiceStatusAnswerMsMax = 10_000;
/** A WebSocket message of the kiosk API (a 128-d descriptor as JSON is about 3 KiB). */
export const kioskMessageBytesMax = 65_536;
export const kioskCallsInFlightMax = 8;
/** A payment the shopper leaves alone is cancelled after this long. */
export const kioskPaymentIdleMsMax = 120_000;
/** The receipt stays on screen this long before the idle screen returns. */
export const kioskReceiptScreenMs = 8_000;
/**
 * An error screen whose payment is closed (refused: funds, an account rule, a locked PIN, the hub) stays this
 * long before the idle screen (or the clinic's board) returns: the next person never reads the last one's.
 */
export const kioskClosedErrorScreenMs = 15_000;
/** Wrong operator PINs in a row before the operator screen locks (a round). */
export const operatorPinAttemptsMax = 5;
/**
 * The first round's lock; each further round without the right PIN in between locks twice as long, up to
 * operatorLockMsMax: guessing a 4-digit PIN (2,000 rounds) then takes years, not 3.5 days of 5 minutes.
 */
export const operatorLockMs = 300_000;
export const operatorLockMsMax = 86_400_000;
export const operatorUnlockMs = 60_000;
/**
 * While a PIN lock runs, its time left is written to disk this often: after a restart (whose downtime never
 * counts) the lock has at most this much more time left than it had. 1,440 writes for a day-long lock.
 */
export const pinLockCheckpointMs = 60_000;
/** Till payment requests kept for the till to read back. */
export const kioskPaymentsRememberedMax = 1_000;
/**
 * The till's latest payment requests kept on disk (till-requests.json), read back and found by their
 * Idempotency-Key after a restart: a till that lost an answer asks again within minutes, not 100 sales later.
 */
export const tillRequestsKeptMax = 100;
/**
 * How long the hub must have been out of reach before a new payment is refused (the till's, the operator's,
 * a patient's check-in). A round that misses the hub once is retried 2 s later, and a health ask may take its
 * 10 s timeout: a hub that answers the very next ask never turns a till away, and a payment opened meanwhile
 * goes through once it answers (an identify without an answer is tried again). Longer, and the shopper would
 * face the camera only to be told the service is unreachable.
 */
export const hubOutOfReachRefusedAfterMs = 15_000;
/**
 * An accepted kiosk asks the hub something with its credentials at least every this many rounds (a minute
 * at the runtime's 10 s rounds while the hub is fine, kiosk-runtime's healthEveryMs.reachable): an idle
 * kiosk learns that its token was revoked before a shopper tries to pay.
 */
export const credentialsCheckedEveryRounds = 6;
/** Face session: the longest it reads one shopper before refusing. */
export const faceSessionTimeLimitMsMax = 30_000;
/** Face session: frames of motion history kept (blinks, 3-D motion). */
export const faceSessionWindowFramesMax = 120;
/**
 * The face screen gives up on a face engine that failed on every frame (the worker's frame_error, no frame
 * read between) for this long and at least faceEngineFailuresInRowMin frames, for an error screen with the
 * other ways to pay: before, "look at the camera" stayed until the payment's idle timeout (2 minutes). A
 * working engine answers a frame in well under a second even on a loaded kiosk, and one failure (a bad
 * bitmap, a memory hiccup) is read past on the next frame; 3 s of nothing but failures, some 45 frames at the
 * 66 ms tick, is an engine that has stopped, and costs the shopper about what a face read takes anyway.
 */
export const faceEngineFailingMsMax = 3_000;
/** With faceEngineFailingMsMax: an engine that fails slowly (seconds a frame) is given this many frames. */
export const faceEngineFailuresInRowMin = 5;
/**
 * A face engine that leaves a frame unanswered this long has hung (a worker stuck in a model, a lost
 * message): it counts as failing, for the same error screen, rather than "look at the camera" until the
 * payment's idle timeout. Ten times the "well under a second" a working engine takes per frame, and over
 * three times faceEngineFailingMsMax; a cold engine is given faceEngineFirstFaceAnswerMsMax instead.
 */
export const faceEngineAnswerMsMax = 10_000;
/**
 * faceEngineAnswerMsMax until the engine has answered a frame with a face: on WebGL the first frame, and the
 * first with a face, compile the models' shaders (backend.dom.ts measured ~20 s on SwiftShader in headless
 * Chromium on 2 cores), so a cold engine on a slow GPU is given twice that before it counts as hung.
 */
export const faceEngineFirstFaceAnswerMsMax = 40_000;
/** Age from which alcohol, tobacco and gambling (and every sub-category) may be bought (Japan: 20). */
export const restrictedCategoryAgeYears = 20;
/** Depth of a hold category's dotted name (`alcohol.beer` is 2). */
export const categoryDepthMax = 2;
/** Video frames the replay harness lists from one recording's packets (replayVideoSecondsMax at 240 fps). */
export const replayVideoFramesMax = 1_728_000;

// Enrolment organisations and the Argon2id queue (issue 9: PIN unlock, fair queuing).
/** PIN unlock attempts (right document or not) one enrolment client may make in an hour. */
export const pinUnlocksPerHourPerClient = 20;
/** PIN unlock attempts on one person in a day (pinUnlockWindowMs), whoever makes them: counted in the
 * audit log, so the same on every instance and after a restart. */
export const pinUnlocksPerDayPerPerson = 3;
export const pinUnlockWindowMs = 86_400_000;
/** Clients whose unlock attempts one instance remembers for the hourly window (in memory). */
export const pinUnlockRateKeysMax = 100_000;
/** Argon2id jobs one client may have waiting or running: one client cannot fill a lane. */
export const pinJobsQueuedPerClientMax = 4;
/** Waiting payment PIN checks (verify-pin, PIN fallback): served before any enrolment job. */
export const pinPaymentJobsQueuedMax = 32;
/** Waiting enrolment PIN verifiers (POST /v1/persons): a lane of their own, served after payments. */
export const pinEnrolmentJobsQueuedMax = 8;

// Clinic reception (issue 10): the check-in kiosk and its reception board.
/** Longest no-show deadline a clinic may set: a visit's hold releases by itself within a day. */
export const clinicNoShowSecondsMax = 86_400;
/** How often the kiosk reads back the holds of its waiting visits (settled by the clinic, or expired). */
export const clinicVisitPollMs = 3_000;
/**
 * Board refreshes in a row answered by the hub's own 5xx (its 503 `unavailable` while its database refuses
 * connections; its health, which never reads the database, still 200) at which the kiosk marks the hub out
 * of reach. At clinicVisitPollMs the fourth comes about 9 s after the first, near one runtime health round
 * (10 s): a busy moment of one or two refreshes leaves check-in open, but a database down for longer shuts
 * check-in and staff charging instead of sending every patient through face capture to fail.
 */
export const clinicBoardHubErrorsInARowMax = 4;
/** Visits a reception kiosk remembers (today's, newest kept); older ones drop off its board. */
export const clinicVisitsRememberedMax = 500;
/** Visits the reception board shows, newest first. */
export const clinicBoardVisitsShownMax = 8;
/** The waiting screen (queue number, cap held) stays this long before the board returns. */
export const clinicWaitingScreenMs = 20_000;
/** Open holds of one patient at the clinic read before a check-in (any open visit refuses a second). */
export const clinicOpenHoldsReadMax = 50;

// Hub on PostgreSQL (issue 11).
/** Connections one hub instance opens for reads (the writer and the listener have one each besides). */
export const pgPoolConnectionsMax = 8;
/** How long an instance waits before it connects its template listener again after losing it. */
export const pgListenReconnectMs = 1_000;

// Enrolment station (issue 10): the officer's session and the enrolment in progress.
/** The station locks (officer signs in again) after this long without a call from its screens. */
export const stationIdleLockMs = 180_000;
/**
 * Wrong officer PINs in a row before sign-in locks for stationSignInLockMs; each further round without a
 * right PIN in between locks twice as long, up to stationSignInLockMsMax (as the operator's PIN).
 */
export const stationSignInAttemptsMax = 5;
export const stationSignInLockMs = 300_000;
export const stationSignInLockMsMax = 86_400_000;
/** Officers one station's config may list. */
export const stationOfficersMax = 50;
/** Live templates sent with one enrolment (the hub's templatesPerPersonMax bounds it too). */
export const stationLiveTemplatesMax = 4;
/** Bytes of an ID photo file the officer gives (a document scanner's JPEG or PNG). */
export const stationIdPhotoBytesMax = 8_000_000;
/**
 * An unanswered POST /v1/persons nobody works on (its enrolment cancelled, signed out, locked, or lost to a
 * restart) is asked again under its key at start and then this often, and its person erased.
 */
export const stationAbandonedResolveEveryMs = 60_000;
/** Requests asked again in one round: the officer's calls wait for it (one hub call at a time). */
export const stationAbandonedResolveBatchMax = 8;
/**
 * How long after it was sent such a request is still asked again: six hours short of the hub's answer
 * retention (it prunes hourly; the station's clock may have been corrected). Older, its stored answer is
 * pruned or soon will be, and asked it would be run again (a days-old consent and sealed PIN): it is listed
 * for the hub's admin at once, and its person looked up by the document. The age says nothing of whether
 * a refusal is believed: only a refusal the hub replays from its stored answer is, at any age.
 */
export const stationAbandonedAnswerTrustedMs = (idempotencyRetentionSeconds - 6 * 3600) * 1000;
/**
 * A listed request's lookup by document erases a faceless person on its account only when the hub created
 * them (its clock) at most this long after the station sent the request (the station's clock); one created
 * later is another enrolment under way (another station of the organisation, between its request and its
 * faces) and is spared. Clock skew needs no allowance of its own: the hub opens a request's sealed PIN only
 * within probeAgeMsMax of the seal's time, read on the station's clock just before the request was sent and
 * judged on the hub's, whatever their difference, and a request asked again carries that same seal. The
 * rest is the hub's work between opening the PIN and writing the person (the Argon2id queue, where
 * enrolments wait behind payments, and the write lock): seconds on a busy hub, minutes allowed.
 */
export const stationLookupCreatedAfterSentMsMax = probeAgeMsMax + 270_000;

// Children under a guardian (issue 10): the guardian's face + PIN consent to one child's enrolment.
/** A guardian's consent token is spent by the child's enrolment within this long, or it lapses. */
export const guardianConsentLifetimeMs = 600_000;
