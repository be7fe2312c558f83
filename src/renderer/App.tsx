// The kiosk's screens: follows the payment the service holds (till or operator amount), reads the face,
// confirms, asks for the PIN when the hub does, shows the receipt, and explains every failure. In clinic
// mode the patient starts a check-in from the reception board and ends on the waiting screen.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  KioskApi,
  KioskError,
  KioskStatus,
  PaymentView,
  VisitView,
} from '../shared/kiosk-api.ts';
import type { CameraProblem } from './camera.ts';
import { chosenCamera, openCamera, stopCamera, watchCamera } from './camera.ts';
import type { Challenge } from '../shared/challenge-kinds.ts';
import type { FaceReader } from './face/face-reader.ts';
import { faceRefusal } from './face/face-refusal.ts';
import type { Language } from './i18n.ts';
import { restoreLanguage, switchLanguage } from './i18n.ts';
import { mark } from './marks.ts';
import {
  ClinicConfirmScreen,
  ClinicIdleScreen,
  ClinicWaitingScreen,
} from './screens/ClinicScreens.tsx';
import type { FaceOutcome } from './screens/FaceScreen.tsx';
import { FaceScreen } from './screens/FaceScreen.tsx';
import { OperatorScreen, type OperatorNotice } from './screens/OperatorScreen.tsx';
import {
  CameraProblemScreen,
  ConfirmScreen,
  ErrorScreen,
  IdleScreen,
  ReceiptScreen,
  WorkingScreen,
} from './screens/PaymentScreens.tsx';
import { MemberPinScreen, PinScreen } from './screens/PinScreens.tsx';
import { memberPinPays, purposeContext, TopBar } from './screens/parts.tsx';

type Screen =
  | { name: 'idle' }
  | { name: 'face' }
  | { name: 'confirm' }
  /** notChecked: the hub checked no PIN (asked too quickly, 429): no try was counted. */
  | { name: 'pin'; attemptsLeft: number | null; notChecked?: boolean }
  /** notice: a key of member.* (read in the language shown, which may change while it is on screen). */
  | { name: 'member'; notice: 'incorrect' | 'notChecked' | null }
  | { name: 'working' }
  | { name: 'receipt' }
  | { name: 'waiting' }
  /** challenge: the move a refused face session asked for (the screen names it). */
  | {
      name: 'error';
      code: string;
      queueNumber?: number | undefined;
      challenge?: Challenge | null | undefined;
      /** The failure is the call's answer lost (KioskError answerLost): what the service did is not known. */
      answerLost?: boolean;
    }
  | { name: 'camera'; problem: CameraProblem }
  | { name: 'operator' };

export function App(props: {
  api: KioskApi;
  status: KioskStatus;
  reader: FaceReader;
  /** Back at idle: the kiosk client forgets the closed payment it remembers (KioskConnection). */
  forgetPayment?: () => void;
}) {
  const { t } = useTranslation();
  const { api, reader } = props;
  const [hub, setHub] = useState(props.status.hub);
  /** The hub answers but refuses this kiosk's credentials: staff must have it provisioned again. */
  const [credentialsRefused, setCredentialsRefused] = useState(props.status.credentialsRefused);
  const [payment, setPaymentState] = useState<PaymentView | null>(props.status.payment);
  // A page loaded (or reloaded) while the service's payment waits for the shopper's OK or PIN continues there;
  // one waiting for a face opens the camera first (below), anything else starts idle.
  const [screen, setScreen] = useState<Screen>(() => resumedScreen(props.status.payment));
  const [busy, setBusy] = useState(false);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [visits, setVisits] = useState<VisitView[]>([]);
  /** The kiosk reads no face (failed looks in a row) until staff resume: the idle screens say so. */
  const [faceChecksPaused, setFaceChecksPaused] = useState(props.status.faceChecksPaused);
  /** Why the kiosk refused the patient's last check-in tap (a kiosk error code), worded as it is shown. */
  const [checkInRefusal, setCheckInRefusal] = useState<string | null>(null);
  /** How many staff calls were refused operator_locked (the unlock ended): each sends the menu to its PIN. */
  const [operatorLockedAgain, setOperatorLockedAgain] = useState(0);
  const screenRef = useRef(screen);
  screenRef.current = screen;
  /** The payment as last set (ahead of the render): done() checks that its receipt's payment is still it. */
  const paymentRef = useRef(payment);
  const setCurrentPayment = useCallback((next: PaymentView | null) => {
    paymentRef.current = next;
    setPaymentState(next);
  }, []);
  /**
   * Whether a call's answer about payment `id` is still the screen's: not when the till (or the service's
   * timeout, or the shopper) has cancelled it meanwhile, or another payment has replaced it. An answer that
   * arrives late would otherwise paint its error over idle or over the next payment's face screen.
   */
  const stillShown = useCallback(
    (id: string) => paymentRef.current?.id === id && paymentRef.current.state !== 'cancelled',
    [],
  );
  /** The staff's choice of camera (chosenCamera) the open stream was opened for. */
  const streamChoice = useRef<string | null>(null);
  /** Stops watching the open camera for loss (before the kiosk stops it itself). */
  const unwatchCamera = useRef<(() => void) | null>(null);
  const clinic = props.status.mode === 'clinic' ? props.status.clinic : null;

  // Read afresh each time the staff menu opens: reconcile may have added one since the kiosk started.
  const paymentsToCheck = useCallback(async () => {
    const answer = await api.call('status', {});
    return answer.ok ? answer.status.paymentsToCheck : [];
  }, [api]);

  // How many lost payments wait for the hub (to tell staff while it refuses this kiosk): read afresh.
  const lostPaymentsWaiting = useCallback(async () => {
    const answer = await api.call('status', {});
    return answer.ok ? answer.status.lostPaymentsWaiting : 0;
  }, [api]);

  const show = useCallback((next: Screen) => {
    mark(`screen:${next.name}`);
    setScreen(next);
  }, []);
  // The current screen on <body>, for tests, screenshots and the bench to follow. Set in the same
  // commit as the screen's DOM (a layout effect), so no reader sees a new screen under the old name.
  useLayoutEffect(() => {
    document.body.dataset['screen'] = screen.name;
  }, [screen]);
  // Back at idle (receipt or waiting screen done, cancelled, the till's cancel or timeout, the staff menu
  // closed), the kiosk speaks its default language again: one person's English is not the next one's.
  const defaultLanguage = props.status.defaultLanguage;
  useLayoutEffect(() => {
    if (screen.name === 'idle') void restoreLanguage(defaultLanguage);
  }, [screen.name, defaultLanguage]);
  // Back at idle, the last payment is nobody's on this screen: a service lost from now on must not word it
  // (a failed payment's "could not be confirmed" said to the next person in the queue).
  const { forgetPayment } = props;
  useLayoutEffect(() => {
    if (screen.name === 'idle') forgetPayment?.();
  }, [screen.name, forgetPayment]);

  // The open camera while it is live and still the one staff chose (the staff menu's choice, read afresh:
  // one chosen since it opened takes effect at this face step), else the chosen one opened.
  const ensureCamera = useCallback(async (): Promise<MediaStream | null> => {
    const chosen = chosenCamera();
    if (
      stream !== null &&
      streamChoice.current === chosen &&
      stream.getVideoTracks().some((track) => track.readyState === 'live')
    ) {
      return stream;
    }
    const opened = await openCamera(chosen);
    if (!opened.ok) {
      // Not the camera chosen: the one open (another) is released, not read from.
      setStream(null);
      void api.call('reportCameraProblem', { problem: opened.problem });
      show({ name: 'camera', problem: opened.problem });
      return null;
    }
    unwatchCamera.current?.();
    unwatchCamera.current = watchCamera(opened.stream, () => {
      unwatchCamera.current = null;
      setStream(null);
      void api.call('reportCameraProblem', { problem: 'camera_lost' });
      if (screenRef.current.name === 'face') show({ name: 'camera', problem: 'camera_lost' });
    });
    streamChoice.current = chosen;
    // Set by the caller with the face screen, in one render: a render between them would find the camera
    // on under a screen that needs none, and release it.
    return opened.stream;
  }, [api, show, stream]);

  // The camera for `current`'s face; with none of its face tries left, the screen that says so and offers
  // the member number instead (a look whose face nobody would compare would only waste the shopper's time).
  // A patient who tapped "Check in with member number" on the board (face checks paused) goes straight to it.
  const beginFace = useCallback(
    async (current: PaymentView) => {
      if (current.faceTriesLeft === 0) {
        show(
          memberPinFromBoard(current)
            ? { name: 'member', notice: null }
            : { name: 'error', code: 'face_tries_used' },
        );
        return;
      }
      const camera = await ensureCamera();
      if (camera === null) return;
      // Cancelled (the till, the service's timeout) or replaced while the camera opened, which takes
      // seconds on some cameras: no face screen for it, and a camera opened for it goes off again.
      if (!stillShown(current.id) || paymentRef.current?.state !== 'waiting_for_face') {
        if (camera !== stream) {
          unwatchCamera.current?.();
          unwatchCamera.current = null;
          stopCamera(camera);
        }
        return;
      }
      setStream(camera);
      show({ name: 'face' });
    },
    [ensureCamera, show, stillShown, stream],
  );

  // "Try again" on an error screen: back to the PIN where the payment still waits for it (a PIN check the
  // hub did not answer: the kiosk takes no face for such a payment), else to the face. At once, from the
  // payment as last answered, so the tap changes the screen without a round trip.
  const retryAfterError = useCallback(() => {
    if (payment === null) show({ name: 'idle' });
    else if (payment.state === 'pin') show({ name: 'pin', attemptsLeft: null });
    else void beginFace(payment);
  }, [beginFace, payment, show]);

  // A payment the service opened (a till's amount, the operator's) starts the face screen.
  useEffect(() => {
    return api.onEvent((event) => {
      if (event.type === 'hub') {
        // A tap's refusal spoke of the hub as it was: once the hub changes, it would say what is no longer so.
        setCheckInRefusal(null);
        setHub(event.hub);
        setCredentialsRefused(event.credentialsRefused ?? null);
        return;
      }
      if (event.type === 'visits') {
        setVisits(event.visits);
        return;
      }
      if (event.type === 'faceChecks') {
        setFaceChecksPaused(event.paused);
        return;
      }
      if (event.type === 'station') return;
      const next = event.payment;
      setCurrentPayment(next);
      const idle = ['idle', 'operator', 'receipt', 'error'].includes(screenRef.current.name);
      if (next.state === 'waiting_for_face' && idle && screenRef.current.name !== 'face') {
        mark('payment_requested', { amount: next.amount });
        void beginFace(next);
      }
      // Cancelled by the till, or left alone too long: back to the shop's idle screen.
      if (next.state === 'cancelled' && !['idle', 'operator'].includes(screenRef.current.name)) {
        show({ name: 'idle' });
      }
    });
  }, [api, beginFace, show]);

  useEffect(() => {
    if (payment?.state === 'waiting_for_face' && screenRef.current.name === 'idle')
      void beginFace(payment);
    if (clinic !== null) {
      void api.call('clinicVisits', {}).then((answer) => {
        if (answer.ok) setVisits(answer.visits);
      });
    }
    // Only on start: a payment already open when the page loads, the board as it stands.
  }, []);

  // Clinic mode: the patient's tap opens a check-in for the cap; its event starts the face screen.
  const checkIn = useCallback(async () => {
    setCheckInRefusal(null);
    const answer = await api.call('startCheckIn', {});
    if (!answer.ok) setCheckInRefusal(answer.error.code);
  }, [api]);

  // Worded at each render, so that it follows the language switch. A refusal without words of its own
  // still says something true, never an empty notice.
  const idleMessage =
    checkInRefusal === null
      ? null
      : t(`clinic.refused.${checkInRefusal}`, {
          defaultValue: t('error.other.body', { context: 'clinic' }),
        });

  useEffect(
    () => () => {
      if (stream !== null) stopCamera(stream);
    },
    [stream],
  );

  // The camera is on only while a screen may read a face: the face step, and, while the shopper is at the
  // kiosk with a face try left, the screens that go back to it (an error, the member number, the camera's
  // problem, and the confirmation and PIN, whose "Not me" and "try again" lead back to the camera at once).
  // At idle, the receipt or the staff menu its light would face the queue all night. The next face step
  // opens it again (ensureCamera).
  const cameraNeeded =
    screen.name === 'face' ||
    screen.name === 'working' ||
    (['error', 'member', 'camera', 'confirm', 'pin'].includes(screen.name) &&
      payment !== null &&
      ['waiting_for_face', 'confirming', 'pin'].includes(payment.state) &&
      payment.faceTriesLeft !== 0);
  useEffect(() => {
    if (cameraNeeded || stream === null) return;
    unwatchCamera.current?.();
    unwatchCamera.current = null;
    // Stopped by the effect above, as the stream changes.
    setStream(null);
  }, [cameraNeeded, stream]);

  const fail = useCallback(
    (error: KioskError) => {
      if (error.code === 'hub_unreachable') setHub('unreachable');
      show({
        name: 'error',
        code: error.code,
        queueNumber: error.queueNumber,
        answerLost: error.answerLost === true,
      });
    },
    [show],
  );

  const onFaceOutcome = useCallback(
    async (outcome: FaceOutcome) => {
      const current = payment;
      if (current === null) return;
      if (outcome.type === 'refused') {
        // The refusal uses one of the payment's face tries (the service counts): past the last, the
        // error screen offers no retry, so a replayed recording cannot be retried until a draw fits.
        const reported = await api.call('reportFaceRefused', { paymentId: current.id });
        if (!stillShown(current.id)) return;
        if (reported.ok) setCurrentPayment(reported.payment);
        show({ name: 'error', ...faceRefusal(outcome) });
        return;
      }
      show({ name: 'working' });
      mark('identify_sent');
      const answer = await api.call('identify', {
        paymentId: current.id,
        modelId: outcome.modelId,
        descriptor: Array.from(outcome.descriptor),
        liveness: outcome.liveness,
      });
      mark('identify_done');
      if (!stillShown(current.id)) return;
      if (!answer.ok) {
        fail(answer.error);
        return;
      }
      setCurrentPayment(answer.payment);
      show({ name: 'confirm' });
    },
    [api, fail, payment, show],
  );

  // A 429 to the hold request (not placed) sends the payment back to the face step (the service): the
  // shopper is told, with a retry there that works.
  const afterRateLimited = useCallback(
    async (paymentId: string) => {
      const current = await api.call('currentPayment', {});
      if (!stillShown(paymentId)) return;
      if (current.ok && current.payment !== null) setCurrentPayment(current.payment);
      show({ name: 'error', code: 'rate_limited' });
    },
    [api, show],
  );

  // A PIN check answered 429 (pinNotChecked): the hub checked nothing and counted no try, so the shopper
  // stays where they were, told so, with the tries left as they were; they type the PIN again.
  const afterPinNotChecked = useCallback(
    (pinScreen: 'pin' | 'member') => {
      const shown = screenRef.current;
      if (pinScreen === 'pin') {
        const attemptsLeft = shown.name === 'pin' ? shown.attemptsLeft : null;
        show({ name: 'pin', attemptsLeft, notChecked: true });
      } else show({ name: 'member', notice: 'notChecked' });
    },
    [show],
  );

  const afterPay = useCallback(
    (
      paymentId: string,
      answer: Awaited<ReturnType<KioskApi['call']>>,
      pinScreen: 'pin' | 'member',
    ) => {
      setBusy(false);
      if (!stillShown(paymentId)) return;
      if (answer.ok && 'payment' in answer && answer.payment !== null) {
        const paid = answer.payment as PaymentView;
        setCurrentPayment(paid);
        if (paid.state === 'paid') {
          mark('paid', { holdId: paid.receipt?.holdId ?? '' });
          show({ name: 'receipt' });
        } else if (paid.state === 'checked_in') {
          mark('checked_in', { holdId: paid.visit?.holdId ?? '' });
          show({ name: 'waiting' });
        } else if (paid.state === 'pin') show({ name: 'pin', attemptsLeft: null });
        return;
      }
      if (answer.ok) return;
      const { error } = answer;
      if (error.code === 'pin_incorrect' && pinScreen === 'pin') {
        show({ name: 'pin', attemptsLeft: error.attemptsLeft ?? 0 });
      } else if (error.code === 'rate_limited' && error.pinNotChecked === true) {
        afterPinNotChecked(pinScreen);
      } else if (error.code === 'rate_limited') void afterRateLimited(paymentId);
      else if (error.code === 'pin_incorrect') {
        show({ name: 'member', notice: 'incorrect' });
      } else fail(error);
    },
    [afterPinNotChecked, afterRateLimited, fail, show],
  );

  const confirm = useCallback(
    async (pin?: string) => {
      if (payment === null) return;
      setBusy(true);
      mark(pin === undefined ? 'confirm_clicked' : 'pin_submitted');
      const answer = await api.call('confirm', {
        paymentId: payment.id,
        ...(pin === undefined ? {} : { pin }),
      });
      if (pin !== undefined || (answer.ok && answer.payment.state === 'paid'))
        mark('hub_paid_answer');
      afterPay(payment.id, answer, 'pin');
    },
    [afterPay, api, payment],
  );

  const payWithMember = useCallback(
    async (memberNumber: string, pin: string) => {
      if (payment === null) return;
      setBusy(true);
      const answer = await api.call('payWithMemberPin', {
        paymentId: payment.id,
        memberNumber,
        pin,
      });
      mark('member_pin_answer', { code: answer.ok ? 'ok' : answer.error.code });
      afterPay(payment.id, answer, 'member');
    },
    [afterPay, api, payment],
  );

  const cancel = useCallback(async () => {
    if (payment !== null && ['waiting_for_face', 'confirming', 'pin'].includes(payment.state)) {
      const answer = await api.call('cancel', { paymentId: payment.id });
      if (answer.ok) setCurrentPayment(answer.payment);
      // The hold request is on its way (or a hub call is): the payment goes on, and its answer shows the
      // outcome. Going idle would tell the shopper it was cancelled while the hub may settle it.
      else if (answer.error.code === 'payment_not_ready') return;
    }
    show({ name: 'idle' });
  }, [api, payment, show]);

  // The name shown is someone else's: the payment stays open, and the shopper chooses their own way to pay.
  const notMe = useCallback(async () => {
    if (payment === null) return;
    setBusy(true);
    const answer = await api.call('notMe', { paymentId: payment.id });
    setBusy(false);
    if (!stillShown(payment.id)) return;
    if (!answer.ok) {
      fail(answer.error);
      return;
    }
    setCurrentPayment(answer.payment);
    show({ name: 'error', code: 'not_me' });
  }, [api, fail, payment, show]);

  // The receipt's (or waiting screen's) Done, or its timer, or a closed payment's error screen left alone:
  // idle, unless a new payment has replaced the one it shows meanwhile (the till's next amount while its
  // camera opens): that payment is kept, and its face screen follows (cleared, the face screen would have
  // no payment to show, and no button).
  const done = useCallback(() => {
    const current = paymentRef.current;
    if (current !== null && ['waiting_for_face', 'confirming', 'pin'].includes(current.state))
      return;
    setCurrentPayment(null);
    show({ name: 'idle' });
  }, [setCurrentPayment, show]);

  const language = (next: Language) => void switchLanguage(next);
  // A staff call's refusal by its code (the staff menu words it in the language shown, a generic sentence
  // with the code where none are written; the service's English message goes to the console only).
  // operator_locked: the staff menu's unlock has ended (the service's timer): the menu asks for the PIN again.
  const operatorRefusal = (error: KioskError): OperatorNotice => {
    if (error.code === 'operator_locked') setOperatorLockedAgain((times) => times + 1);
    console.warn(`staff call refused: ${error.code}: ${error.message}`);
    return { key: `operator.${error.code}`, code: error.code };
  };

  const body = (() => {
    switch (screen.name) {
      case 'idle':
        return clinic !== null ? (
          <ClinicIdleScreen
            clinicName={props.status.shopName}
            cap={clinic.cap}
            visits={visits}
            // A tap the kiosk refused for the hub says the next would be too, before its hub event is heard.
            canCheckIn={hub === 'reachable' && !tapRefusedForHub(checkInRefusal)}
            faceChecksPaused={faceChecksPaused}
            refused={credentialsRefused !== null}
            message={idleMessage}
            onCheckIn={() => void checkIn()}
            onOperator={() => show({ name: 'operator' })}
          />
        ) : (
          <IdleScreen
            shopName={props.status.shopName}
            refused={credentialsRefused !== null}
            faceChecksPaused={faceChecksPaused}
            onOperator={() => show({ name: 'operator' })}
          />
        );
      case 'face':
        return payment === null || stream === null ? null : (
          <FaceScreen
            payment={payment}
            amountLabel={clinic === null ? undefined : t('clinic.capLabel')}
            stream={stream}
            reader={reader}
            onOutcome={(outcome) => void onFaceOutcome(outcome)}
            // No face was compared, so no face try is reported: the payment stays open for "try again" (a
            // new session) or the member number, and ends by the service's idle timeout like any other.
            onEngineFailed={() => show({ name: 'error', code: 'face_engine_failed' })}
            onMemberPin={() => show({ name: 'member', notice: null })}
            onCancel={() => void cancel()}
          />
        );
      case 'confirm':
        return payment === null ? null : clinic !== null ? (
          <ClinicConfirmScreen
            payment={payment}
            clinicName={props.status.shopName}
            noShowAfterSeconds={clinic.noShowAfterSeconds}
            busy={busy}
            onOk={() => void confirm()}
            onNotMe={() => void notMe()}
            onCancel={() => void cancel()}
          />
        ) : (
          <ConfirmScreen
            payment={payment}
            shopName={props.status.shopName}
            busy={busy}
            onOk={() => void confirm()}
            onNotMe={() => void notMe()}
            onCancel={() => void cancel()}
          />
        );
      case 'pin':
        return payment === null ? null : (
          <PinScreen
            payment={payment}
            amountLabel={clinic === null ? undefined : t('clinic.capLabel')}
            busy={busy}
            attemptsLeft={screen.attemptsLeft}
            notChecked={screen.notChecked === true}
            onPin={(pin) => void confirm(pin)}
            onNotMe={() => void notMe()}
            onCancel={() => void cancel()}
          />
        );
      case 'member':
        return payment === null ? null : (
          <MemberPinScreen
            payment={payment}
            amountLabel={clinic === null ? undefined : t('clinic.capLabel')}
            busy={busy}
            message={
              screen.notice === null ? null : t(`member.${screen.notice}`, purposeContext(payment))
            }
            onSubmit={(n, p) => void payWithMember(n, p)}
            // Back to where the patient came from: the board they tapped (the check-in is cancelled), else
            // the face step (or the screen saying why no face is read).
            onBack={() => void (memberPinFromBoard(payment) ? cancel() : beginFace(payment))}
          />
        );
      case 'working':
        return <WorkingScreen payment={payment} />;
      case 'receipt':
        return payment === null ? null : <ReceiptScreen payment={payment} onDone={done} />;
      case 'waiting':
        return payment === null ? null : <ClinicWaitingScreen payment={payment} onDone={done} />;
      case 'error':
        return (
          <ErrorScreen
            code={screen.code}
            queueNumber={screen.queueNumber}
            challenge={screen.challenge ?? null}
            answerLost={screen.answerLost === true}
            payment={payment}
            onRetry={retryAfterError}
            onMemberPin={() => show({ name: 'member', notice: null })}
            onClose={() => void cancel()}
            onTimeout={done}
          />
        );
      case 'camera':
        return (
          <CameraProblemScreen
            problem={screen.problem}
            payment={payment}
            canPay={
              payment !== null && payment.state === 'waiting_for_face' && memberPinPays(payment)
            }
            onRetry={() => void (payment === null ? show({ name: 'idle' }) : beginFace(payment))}
            onMemberPin={() => show({ name: 'member', notice: null })}
            onClose={() => void cancel()}
          />
        );
      case 'operator':
        return (
          <OperatorScreen
            unlock={async (pin) => {
              const answer = await api.call('operatorUnlock', { pin });
              return answer.ok
                ? null
                : { key: `operator.${answer.error.code}`, code: answer.error.code };
            }}
            lockedAgain={operatorLockedAgain}
            charge={
              clinic !== null
                ? null
                : async (amount) => {
                    const answer = await api.call('startPayment', { amount });
                    return answer.ok ? null : operatorRefusal(answer.error);
                  }
            }
            exit={async () => {
              const answer = await api.call('operatorExit', {});
              return answer.ok ? { key: 'operator.exiting' } : operatorRefusal(answer.error);
            }}
            paymentsToCheck={paymentsToCheck}
            credentialsRefused={credentialsRefused}
            lostPaymentsWaiting={lostPaymentsWaiting}
            // As soon as the hub misses a round, a little sooner than the service refuses a payment (15 s
            // on): staff get the keypad back once the next round finds the hub (2 s later).
            chargeDisabled={
              credentialsRefused !== null
                ? 'credentials_refused'
                : hub === 'unreachable'
                  ? 'hub_unreachable'
                  : null
            }
            clearPaymentToCheck={async (paymentId) => {
              const answer = await api.call('operatorClearPaymentToCheck', { paymentId });
              return answer.ok ? null : operatorRefusal(answer.error);
            }}
            faceChecksPaused={faceChecksPaused}
            resumeFaceChecks={async () => {
              const answer = await api.call('operatorResumeFaceChecks', {});
              // The service's event says so too; set here as well, so the notice goes with the answer.
              if (answer.ok) setFaceChecksPaused(false);
              return answer.ok ? null : operatorRefusal(answer.error);
            }}
            onClose={() => show({ name: 'idle' })}
          />
        );
    }
  })();
  return (
    <div className="kiosk" data-screen={screen.name}>
      <TopBar
        shopName={props.status.shopName}
        hub={hub}
        // In a clinic's words there: a patient checks in (a hold), nobody pays at the kiosk.
        offline={t(
          credentialsRefused === null ? 'hub.offline' : 'hub.refused',
          clinic === null ? {} : { context: 'clinic' },
        )}
        onLanguage={language}
      />
      {body}
    </div>
  );
}

/** The screen a page starts on for the payment the service holds: its confirmation or PIN, else idle. */
function resumedScreen(payment: PaymentView | null): Screen {
  if (payment?.state === 'confirming') return { name: 'confirm' };
  if (payment?.state === 'pin') return { name: 'pin', attemptsLeft: null };
  return { name: 'idle' };
}

/**
 * A check-in at a reception whose face checks are paused, where the member number holds the cap: the
 * board's button reads "Check in with member number", so the check-in opens on that screen, and its Back
 * cancels the check-in and returns to the board (whose notice says the rest).
 */
function memberPinFromBoard(payment: PaymentView): boolean {
  return payment.faceChecksPaused && payment.source === 'patient' && memberPinPays(payment);
}

/** A check-in tap refused because the kiosk takes no payments now (the hub refuses it or is out of reach). */
function tapRefusedForHub(code: string | null): boolean {
  return code === 'hub_refused' || code === 'hub_unreachable';
}
