// The payment's plain screens: idle (the shop's name), confirm (masked name and amount), paying,
// the receipt, and every failure with its way out (retry, member number + PIN, call staff).
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Challenge } from '../../shared/challenge-kinds.ts';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import { faceRefusalCodes, moveWords } from '../face/face-refusal.ts';
import {
  faceTriesPerPaymentMax,
  kioskClosedErrorScreenMs,
  kioskReceiptScreenMs,
  pinOnlyAmountMax,
} from '../../shared/limits.ts';
import { dateTimeFormat } from '../date-time.ts';
import {
  Amount,
  ConfirmFrame,
  memberPinPays,
  purposeContext,
  ScreenTitle,
  useDoneAfter,
  useYen,
} from './parts.tsx';
import { cameraProblemBody, honestMoneyBody } from './money-words.ts';

/**
 * The shop's idle screen: the shop's name and how to pay. `refused`: the hub refuses this kiosk's
 * credentials, so no payment can be taken until staff have it provisioned again: the shopper is told to ask
 * staff, not that the network is down. `faceChecksPaused`: the member number and PIN pay, said before the
 * till's amount sends anyone to a camera that reads no face.
 */
export function IdleScreen(props: {
  shopName: string;
  refused: boolean;
  faceChecksPaused: boolean;
  onOperator: () => void;
}) {
  const { t } = useTranslation();
  return (
    <main className="screen screen-idle" aria-labelledby="idle-title">
      <ScreenTitle id="idle-title" className="idle-title">
        {t('idle.welcome', { shop: props.shopName })}
      </ScreenTitle>
      {props.refused ? (
        <IdleRefused title={t('idle.refusedTitle')} body={t('idle.refusedBody')} />
      ) : props.faceChecksPaused ? (
        <IdleFaceChecksPaused title={t('idle.facePausedTitle')} body={t('idle.facePausedBody')} />
      ) : (
        <p className="idle-hint">{t('idle.hint')}</p>
      )}
      <button
        className="operator-corner"
        onClick={props.onOperator}
        aria-label={t('operator.open')}
      >
        {t('operator.short')}
      </button>
    </main>
  );
}

/** A boxed notice on an idle screen (the hub refuses the kiosk; face checks are paused). */
function IdleNotice(props: {
  title: string;
  body: string;
  role: 'alert' | 'status';
  testId: string;
}) {
  return (
    <section className="idle-refused" role={props.role} data-testid={props.testId}>
      <h2>{props.title}</h2>
      <p>{props.body}</p>
    </section>
  );
}

/** The hub refuses this kiosk's credentials (status.credentialsRefused): said on the idle screens, shop and clinic. */
export function IdleRefused(props: { title: string; body: string }) {
  return <IdleNotice {...props} role="alert" testId="idle-refused" />;
}

/** Face checks are paused (status.faceChecksPaused): said on the idle screens, shop and clinic. */
export function IdleFaceChecksPaused(props: { title: string; body: string }) {
  return <IdleNotice {...props} role="status" testId="idle-face-checks-paused" />;
}

export function ConfirmScreen(props: {
  payment: PaymentView;
  shopName: string;
  busy: boolean;
  onOk: () => void;
  onNotMe: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <ConfirmFrame
      title={t('confirm.title')}
      name={t('confirm.name', { name: props.payment.displayNameMasked ?? '' })}
      amount={props.payment.amount}
      amountLabel={t('confirm.payTo', { shop: props.shopName })}
      okLabel={t('actions.ok')}
      cancelLabel={t('actions.cancelPayment')}
      busy={props.busy}
      onOk={props.onOk}
      onNotMe={props.onNotMe}
      onCancel={props.onCancel}
    />
  );
}

export function WorkingScreen(props: { payment: PaymentView | null }) {
  const { t } = useTranslation();
  return (
    <main className="screen screen-working" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <p role="status">{t('working.paying', purposeContext(props.payment))}</p>
    </main>
  );
}

export function ReceiptScreen(props: { payment: PaymentView; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const receipt = props.payment.receipt;
  const { onDone } = props;
  useDoneAfter(onDone, kioskReceiptScreenMs);
  if (receipt === null) return null;
  const time = dateTimeFormat(i18n.language, 'dateTime').format(new Date(receipt.settledAt));
  return (
    <main className="screen screen-receipt" aria-labelledby="receipt-title">
      <ScreenTitle id="receipt-title" className="receipt-title">
        ✓ {t('receipt.title')}
      </ScreenTitle>
      <Amount amount={receipt.amount} label={t('receipt.paid')} />
      <dl className="receipt">
        <dt>{t('receipt.shop')}</dt>
        <dd>{receipt.shopName}</dd>
        <dt>{t('receipt.time')}</dt>
        <dd>{time}</dd>
        <dt>{t('receipt.holdId')}</dt>
        <dd className="hold-id" data-testid="hold-id">
          {receipt.holdId}
        </dd>
      </dl>
      <button className="button button-primary" onClick={props.onDone}>
        {t('actions.done')}
      </button>
    </main>
  );
}

type WayOut = 'retry' | 'memberPin' | 'staff';

/** A face the kiosk could not check (face-refusal.ts), or the hub matched to nobody: look again, or the other ways. */
const faceFailureWays: readonly WayOut[] = ['retry', 'memberPin', 'staff'];

/** Which ways out a failure offers. */
const waysOut: Record<string, readonly WayOut[]> = {
  ...Object.fromEntries(faceRefusalCodes.map((code) => [code, faceFailureWays])),
  no_match: faceFailureWays,
  // The shopper said the name shown was not theirs: the same face would match the same person again.
  not_me: ['memberPin', 'retry', 'staff'],
  hub_unreachable: ['retry', 'staff'],
  // The hold request was answered 429 (not placed): the service starts the payment again at the face step.
  rate_limited: faceFailureWays,
  insufficient_funds: ['staff'],
  limit_exceeded: ['staff'],
  category_blocked: ['staff'],
  age_restricted: ['staff'],
  pin_locked: ['staff'],
  pin_checks_suspended: ['staff'],
  // The hub refused the kiosk's request (its credentials, or a reason of its own): the payment or check-in
  // is closed and nothing was taken or held; only staff can act on it.
  hub_refused: ['staff'],
  already_checked_in: ['staff'],
  transform_key_outdated: ['retry', 'staff'],
  // The hub compared this payment's last face try: the shopper's own member number and PIN, or staff.
  face_tries_used: ['memberPin', 'staff'],
  // The member number and PIN do not pay this (above what they pay alone, a child's account): the face may.
  face_required: ['retry', 'staff'],
  // The hub no longer remembers the face for the PIN (too long at confirm and PIN): look again.
  identification_required: faceFailureWays,
  // The kiosk's face engine failed on every frame (EngineFailureRun): nothing was compared, the payment is
  // open; a new look may work, the member number does.
  face_engine_failed: faceFailureWays,
  // The words of the failures above whose "no money was taken" is not known (wordsFor): a hold request of
  // the payment went out (PaymentView holdRequestSent), or the call's answer was lost with the service.
  // The hub stopped answering: whether money moved is for reconcile and staff to find out.
  hold_unknown: ['staff'],
  // A 429 after the hold request went out (a gateway may have forwarded it; reconcile gives back what it
  // finds): the payment goes on at the face step, as rate_limited's.
  hold_throttled: faceFailureWays,
  // The kiosk itself failed (the service's internal, or it closed under the call): staff find out.
  kiosk_failed_paying: ['staff'],
};

/**
 * The words for `code`: its own, unless they would say "no money was taken" where the kiosk cannot know it.
 * The service says whether a hold request of the payment went out (holdRequestSent, set before it is sent);
 * a call whose answer was lost with the service (answerLost) may have sent one. A code with words of its own
 * (insufficient funds, a limit) keeps them, its "no money was taken" replaced while that is not known
 * (honestMoneyBody).
 */
function wordsFor(code: string, payment: PaymentView | null, answerLost: boolean): string {
  const sent = payment?.holdRequestSent === true;
  if (code === 'hub_unreachable') return sent ? 'hold_unknown' : code;
  if (code === 'rate_limited') return sent ? 'hold_throttled' : code;
  if (waysOut[code] !== undefined) return code;
  // No words of its own (error.other): the service's internal, or the service gone under the call.
  return sent || answerLost ? 'kiosk_failed_paying' : code;
}

/** The frame of every failure screen: what went wrong, in words, then the ways out. */
function ProblemScreen(props: {
  id: string;
  title: string;
  body: string;
  marks: Record<`data-${string}`, string>;
  children: ReactNode;
}) {
  return (
    <main className="screen screen-error" aria-labelledby={props.id} {...props.marks}>
      <ScreenTitle id={props.id} className="error-title">
        {props.title}
      </ScreenTitle>
      <p className="error-body" role="alert">
        {props.body}
      </p>
      <div className="actions">{props.children}</div>
    </main>
  );
}

export function ErrorScreen(props: {
  code: string;
  /** For already_checked_in: the patient's open visit. */
  queueNumber?: number | undefined;
  /** For challenge_wrong_move and challenge_missed: the move that was asked. */
  challenge?: Challenge | null;
  /** The failure is the call's answer lost with the service: it may have sent a hold request. */
  answerLost?: boolean;
  payment: PaymentView | null;
  onRetry: () => void;
  onMemberPin: () => void;
  onClose: () => void;
  /** Left alone kioskClosedErrorScreenMs while its payment is closed: back to idle (or the board). */
  onTimeout: () => void;
}) {
  const { t } = useTranslation();
  const yen = useYen();
  const shownCode = wordsFor(props.code, props.payment, props.answerLost === true);
  const key = waysOut[shownCode] === undefined ? 'other' : shownCode;
  const open = props.payment !== null && ['waiting_for_face', 'pin'].includes(props.payment.state);
  // A payment still open goes on (or ends by the service's own timeout, whose cancel brings idle back).
  const { onTimeout } = props;
  useEffect(() => {
    if (open) return undefined;
    const timer = window.setTimeout(onTimeout, kioskClosedErrorScreenMs);
    return () => window.clearTimeout(timer);
  }, [open, onTimeout]);
  const offered = waysOut[shownCode] ?? ['retry', 'staff'];
  // A face failure's retry is one more look at the camera, and the hub compares no more faces for this
  // payment: the body that said "try again" says to use the member number instead, and retry goes.
  const faceFailure = offered.includes('retry') && offered.includes('memberPin');
  const faceTriesUsed =
    open && props.payment?.faceTriesLeft === 0 && (faceFailure || props.code === 'face_required');
  // Above what the member number and PIN pay alone, a body that offered them says the face is needed
  // (body_faceOnly, where the body named them), and their button goes.
  const faceOnly = !memberPinPays(props.payment);
  const ways = offered.filter(
    (way) => !(way === 'retry' && faceTriesUsed) && !(way === 'memberPin' && faceOnly),
  );
  // With face checks paused at this kiosk (failed looks in a row, across payments), the words say that
  // instead: this payment may have used none of its tries.
  const paused = props.payment?.faceChecksPaused === true;
  const triesUsedKey = paused ? 'face_checks_paused' : 'face_tries_used';
  const named = (shown: string) => (shown === 'face_tries_used' ? triesUsedKey : shown);
  // Not for hold_throttled: the tries' words say no money was taken, which it cannot say.
  const triesBody = faceFailure && faceTriesUsed && key !== 'hold_throttled';
  const bodyKey = named(triesBody ? 'face_tries_used' : key);
  // "Look at the camera again" is no title once the camera is not used again for this payment; with face
  // checks paused, no title about this look or this payment's face either (the body says the kiosk paused).
  const titleKey =
    paused && faceTriesUsed
      ? 'face_checks_paused'
      : named(key === 'identification_required' && faceTriesUsed ? 'face_tries_used' : key);
  const words = {
    ...purposeContext(props.payment),
    number: props.queueNumber ?? '',
    tries: faceTriesPerPaymentMax,
    max: yen(pinOnlyAmountMax),
    move: moveWords(t, props.challenge),
  };
  // face_required says to look at the camera; with no face try left, it says to ask staff instead (and
  // why: this payment's tries used, or face checks paused at this kiosk).
  const faceRequiredBody = paused ? 'body_paused' : 'body_triesUsed';
  const body =
    key === 'face_required' && faceTriesUsed
      ? t(`error.face_required.${faceRequiredBody}`, words)
      : t(`error.${bodyKey}.body`, words);
  const shownBody =
    offered.includes('memberPin') && faceOnly
      ? t(`error.${bodyKey}.body_faceOnly`, { ...words, defaultValue: body })
      : body;
  return (
    <ProblemScreen
      id="error-title"
      title={t(`error.${titleKey}.title`, words)}
      body={honestMoneyBody(
        t,
        shownBody,
        { payment: props.payment, answerLost: props.answerLost === true },
        words,
      )}
      marks={{ 'data-testid': 'error-screen', 'data-code': props.code }}
    >
      {/* The ways the payment can still go on, the first one leading. */}
      {open
        ? ways
            .filter((way) => way !== 'staff')
            .map((way, index) => {
              const className = `button ${index === 0 ? 'button-primary' : 'button-secondary'}`;
              return way === 'retry' ? (
                <button key={way} className={className} onClick={props.onRetry}>
                  {t('actions.retry')}
                </button>
              ) : (
                <button
                  key={way}
                  className={className}
                  onClick={props.onMemberPin}
                  data-testid="member-pin"
                >
                  {t('actions.memberPin', purposeContext(props.payment))}
                </button>
              );
            })
        : null}
      {ways.includes('staff') ? (
        <p className="staff-note">{t('actions.staff', purposeContext(props.payment))}</p>
      ) : null}
      <button className="button button-secondary" onClick={props.onClose}>
        {t(open ? 'actions.cancelPayment' : 'actions.close', purposeContext(props.payment))}
      </button>
    </ProblemScreen>
  );
}

/** A camera problem, in a clinic's words while a check-in is open (the patient asks at the reception desk). */
export function CameraProblemScreen(props: {
  problem: string;
  payment: PaymentView | null;
  canPay: boolean;
  onRetry: () => void;
  onMemberPin: () => void;
  /** Cancels the payment or check-in (nothing was taken or held) and goes back to the idle screen. */
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const context = purposeContext(props.payment);
  const open = props.payment !== null && ['waiting_for_face', 'pin'].includes(props.payment.state);
  return (
    <ProblemScreen
      id="camera-title"
      title={t(`camera.${props.problem}.title`)}
      body={cameraProblemBody(t, props.problem, props.payment)}
      marks={{ 'data-testid': 'camera-problem', 'data-problem': props.problem }}
    >
      <button className="button button-primary" onClick={props.onRetry}>
        {t('camera.retry')}
      </button>
      {props.canPay ? (
        <button className="button button-secondary" onClick={props.onMemberPin}>
          {t('actions.memberPin', context)}
        </button>
      ) : null}
      <p className="staff-note">{t('actions.staff', context)}</p>
      {/* A shopper who would rather not pay here at all leaves without waiting for staff. */}
      <button className="button button-secondary" onClick={props.onClose}>
        {t(open ? 'actions.cancelPayment' : 'actions.close', context)}
      </button>
    </ProblemScreen>
  );
}
