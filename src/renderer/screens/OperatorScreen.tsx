// The operator screen behind the operator PIN: type an amount to charge when no till sends one, and
// leave kiosk mode. It locks again by itself (the service keeps the unlock short and counts wrong PINs).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CredentialsRefused, HubRefusal, KioskStatus } from '../../shared/kiosk-api.ts';
import { isFinalRefusal, paymentToCheckHubCodes } from '../../shared/kiosk-api.ts';
import { operatorUnlockMs } from '../../shared/limits.ts';
import type { CameraDevice } from '../camera.ts';
import { chosenCamera, chooseCamera, listCameras } from '../camera.ts';
import { dateTimeFormat } from '../date-time.ts';
import { Keypad } from './Keypad.tsx';
import { ScreenTitle, useYen } from './parts.tsx';

/** Which camera the kiosk reads faces with; remembered on this kiosk. */
function CameraChoice() {
  const { t } = useTranslation();
  const [cameras, setCameras] = useState<CameraDevice[]>([]);
  const [chosen, setChosen] = useState(chosenCamera() ?? '');
  useEffect(() => {
    void listCameras().then(setCameras);
  }, []);
  return (
    <label className="camera-choice">
      {t('operator.camera')}
      <select
        value={chosen}
        onChange={(event) => {
          setChosen(event.target.value);
          chooseCamera(event.target.value === '' ? null : event.target.value);
        }}
      >
        <option value="">{t('operator.cameraDefault')}</option>
        {cameras.map((camera) => (
          <option key={camera.deviceId} value={camera.deviceId}>
            {camera.label}
          </option>
        ))}
      </select>
    </label>
  );
}

type PaymentToCheck = KioskStatus['paymentsToCheck'][number];

/**
 * A notice on the staff menu as a locale key (and the kiosk error code where it is a refusal), worded at each
 * render so that it follows the language switch; a code without words of its own reads a generic sentence.
 */
export interface OperatorNotice {
  key: string;
  code?: string;
}

/** The staff menu's words for `notice`, in the language shown. */
function useNoticeWords() {
  const { t } = useTranslation();
  return (notice: OperatorNotice) =>
    t(notice.key, {
      defaultValue: t('operator.refusedOther', { code: notice.code ?? '' }),
    });
}

const wordedRefusalCodes: ReadonlySet<string> = new Set(paymentToCheckHubCodes);

/**
 * Why the hub keeps refusing to give one payment back, in the staff's language by the hub's code, with what
 * to do for that cause (a generic sentence with the status and code for any other); the hub's own message,
 * in English, stands apart and labelled, for the hub's operator, never inside the staff's sentence.
 */
function HubRefusalWords(props: { refusal: HubRefusal; clinic: boolean }) {
  const { t } = useTranslation();
  const { status, code, hubMessage } = props.refusal;
  const reason = wordedRefusalCodes.has(code) ? code : 'other';
  const answer = status === null ? code : `${status} ${code}`;
  const undo = t(props.clinic ? 'operator.toCheckUndo_clinic' : 'operator.toCheckUndo');
  return (
    // Staff clear only a final refusal (isFinalRefusal); the kiosk keeps asking about the rest.
    <div className="payment-refused" data-testid="payment-refused" data-code={code}>
      <p>
        {t(
          isFinalRefusal(props.refusal)
            ? 'operator.toCheckRefusedFinal'
            : props.clinic
              ? 'operator.toCheckRefused_clinic'
              : 'operator.toCheckRefused',
        )}
      </p>
      <p data-testid="payment-refused-reason">
        {t(`operator.toCheckRefusedReason.${reason}`, { undo, answer })}
      </p>
      <p className="hub-words" data-testid="payment-refused-hub-words">
        {t('operator.toCheckHubWords', { answer })} <span lang="en">{hubMessage}</span>
      </p>
    </div>
  );
}

/**
 * Payments whose hold request got no answer and that the hub may have forgotten (the kiosk could not
 * settle them itself): staff check each with the hub's operator, then mark it checked. Also payments the
 * hub refuses, again and again, to release or refund (hubRefusal): the kiosk keeps asking and takes them
 * off the list once undone, so staff get the hub's operator to fix the kiosk's access or undo it there.
 */
function PaymentsToCheck(props: {
  /** At a clinic reception the clinic may have charged the visit: staff check the visit took place. */
  clinic: boolean;
  load: () => Promise<PaymentToCheck[]>;
  clear: (paymentId: string) => Promise<OperatorNotice | null>;
  onMessage: (message: OperatorNotice | null) => void;
}) {
  const { t, i18n } = useTranslation();
  const yen = useYen();
  const [payments, setPayments] = useState<PaymentToCheck[]>([]);
  const { load } = props;
  useEffect(() => {
    void load().then(setPayments);
  }, [load]);
  if (payments.length === 0) return null;
  const unanswered = payments.some((payment) => payment.hubRefusal === null);
  const format = dateTimeFormat(i18n.language, 'dateTime');
  return (
    <section className="payments-to-check" role="alert" aria-labelledby="to-check-title">
      <h2 id="to-check-title">
        {t(props.clinic ? 'operator.toCheckTitle_clinic' : 'operator.toCheckTitle')}
      </h2>
      {unanswered ? (
        <p>{t(props.clinic ? 'operator.toCheckBody_clinic' : 'operator.toCheckBody')}</p>
      ) : null}
      <ul>
        {payments.map((payment) => (
          <li key={payment.paymentId} data-testid="payment-to-check">
            <span>
              {t('operator.toCheckItem', {
                amount: yen(payment.amount),
                reference: payment.reference,
                time: format.format(new Date(payment.sentAt)),
              })}
            </span>
            {payment.hubRefusal === null ? null : (
              <HubRefusalWords refusal={payment.hubRefusal} clinic={props.clinic} />
            )}
            {payment.hubRefusal === null || isFinalRefusal(payment.hubRefusal) ? (
              <button
                className="button button-secondary"
                onClick={() =>
                  void props.clear(payment.paymentId).then(async (error) => {
                    props.onMessage(error);
                    setPayments(await load());
                  })
                }
              >
                {t('operator.toCheckDone')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The hub codes HubLink.connect takes for a refusal of this kiosk, each with its own words. */
const refusalReasons: ReadonlySet<string> = new Set([
  'unauthorized',
  'kiosk_revoked',
  'forbidden',
  'kiosk_signature_invalid',
  'not_found',
]);

/**
 * The hub answers but refuses this kiosk's credentials: staff learn it is not the network, what the hub
 * said, how many lost payments wait to be given back meanwhile, and how to have the kiosk provisioned again.
 */
function HubRefusesKiosk(props: {
  refused: CredentialsRefused;
  lostPaymentsWaiting: () => Promise<number>;
}) {
  const { t } = useTranslation();
  const [lost, setLost] = useState(0);
  const { lostPaymentsWaiting } = props;
  useEffect(() => {
    void lostPaymentsWaiting().then(setLost);
  }, [lostPaymentsWaiting]);
  const { status, code } = props.refused;
  const reason = refusalReasons.has(code) ? code : 'other';
  return (
    <section
      className="hub-refuses-kiosk"
      role="alert"
      aria-labelledby="refuses-title"
      data-testid="hub-refuses-kiosk"
      data-code={code}
    >
      <h2 id="refuses-title">{t('operator.credentialsTitle')}</h2>
      <p>{t(`operator.credentialsReason.${reason}`)}</p>
      <p className="hub-answer">{t('operator.credentialsAnswer', { status, code })}</p>
      <p>{t('operator.credentialsNotNetwork')}</p>
      {lost === 0 ? null : (
        <p className="lost-waiting" data-testid="lost-payments-waiting">
          {t('operator.credentialsLost', { count: lost })}
        </p>
      )}
      <p>{t('operator.credentialsSteps')}</p>
      <ol>
        <li>
          {t('operator.credentialsRotate')}
          <code>{t('operator.credentialsCommand.rotate')}</code>
        </li>
        <li>
          {t('operator.credentialsProvision')}
          <code>{t('operator.credentialsCommand.createClient')}</code>
          <code>{t('operator.credentialsCommand.registerKiosk')}</code>
        </li>
      </ol>
      <p>{t('operator.credentialsRestart')}</p>
    </section>
  );
}

/**
 * The kiosk paused face checks after failed looks in a row (status.faceChecksPaused, kept current by the
 * service's faceChecks event): staff learn why and resume them.
 */
function FaceChecksPaused(props: {
  resume: () => Promise<OperatorNotice | null>;
  onMessage: (message: OperatorNotice | null) => void;
}) {
  const { t } = useTranslation();
  return (
    <section
      className="face-checks-paused"
      role="alert"
      aria-labelledby="face-paused-title"
      data-testid="face-checks-paused"
    >
      <h2 id="face-paused-title">{t('operator.faceChecksPausedTitle')}</h2>
      <p>{t('operator.faceChecksPausedBody')}</p>
      <button
        className="button button-primary"
        onClick={() =>
          void props.resume().then((error) => {
            props.onMessage(error ?? { key: 'operator.faceChecksResumed' });
          })
        }
      >
        {t('operator.resumeFaceChecks')}
      </button>
    </section>
  );
}

/** Why no charge can go through now, as the screen can tell from the kiosk's status. */
export type ChargeDisabled = 'credentials_refused' | 'hub_unreachable';

/**
 * The amount keypad, disabled with the reason while no payment can go through (the service refuses one
 * then, and the till's too): staff do not type a charge the shopper would face the camera for in vain.
 */
function ChargeKeypad(props: {
  disabled: ChargeDisabled | null;
  onSubmit: (amount: number) => void;
}) {
  const { t } = useTranslation();
  const yen = useYen();
  const disabled = props.disabled !== null;
  return (
    <>
      {props.disabled === null ? null : (
        // Outside the dimmed keypad: the reason is read in full.
        <p id="charge-disabled" className="pin-warning" role="status">
          <strong>{t('operator.chargeDisabledTitle')}</strong>{' '}
          {t(`operator.chargeDisabled.${props.disabled}`)}
        </p>
      )}
      <fieldset
        className="charge"
        disabled={disabled}
        aria-describedby={disabled ? 'charge-disabled' : undefined}
        data-testid="charge-keypad"
        data-disabled={props.disabled ?? undefined}
        // No border or inset of a form group: the keypad looks as it does elsewhere, only dimmed when off.
        style={{ border: 0, padding: 0, margin: 0, minWidth: 0, opacity: disabled ? 0.45 : 1 }}
      >
        <Keypad
          key="amount"
          label={t('operator.amount')}
          masked={false}
          minLength={1}
          maxLength={8}
          // As every amount on the kiosk: grouped, in the language's yen (1,200,000円 / ¥1,200,000).
          format={(typed) => yen(Number(typed))}
          submitLabel={t('operator.charge')}
          busy={disabled}
          onSubmit={(typed) => props.onSubmit(Number(typed))}
        />
      </fieldset>
    </>
  );
}

export function OperatorScreen(props: {
  /** The service's answer to the PIN: null (the menu is open for operatorUnlockMs), or the refusal. */
  unlock: (pin: string) => Promise<OperatorNotice | null>;
  /** Counts the staff calls the service refused operator_locked: each change asks for the PIN again. */
  lockedAgain: number;
  /** null at a clinic reception: patients start their own check-in, no amount is typed. */
  charge: ((amount: number) => Promise<OperatorNotice | null>) | null;
  exit: () => Promise<OperatorNotice | null>;
  paymentsToCheck: () => Promise<PaymentToCheck[]>;
  /** The hub refuses this kiosk's credentials (status.credentialsRefused); null: it does not. */
  credentialsRefused: CredentialsRefused | null;
  lostPaymentsWaiting: () => Promise<number>;
  /** No payment can go through now (the hub refuses the kiosk, or does not answer); null: one can. */
  chargeDisabled: ChargeDisabled | null;
  clearPaymentToCheck: (paymentId: string) => Promise<OperatorNotice | null>;
  /** Whether the kiosk reads no face now (status.faceChecksPaused; the faceChecks event keeps it current). */
  faceChecksPaused: boolean;
  resumeFaceChecks: () => Promise<OperatorNotice | null>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [unlocked, setUnlocked] = useState(false);
  const noticeWords = useNoticeWords();
  const [message, setMessage] = useState<OperatorNotice | null>(null);
  /** The unlock ended with the menu open: the PIN pad says so (worded at each render, in the language shown). */
  const [ended, setEnded] = useState(false);
  const lockAgain = useCallback(() => {
    setUnlocked(false);
    setMessage(null);
    setEnded(true);
  }, []);
  // The service keeps the menu open operatorUnlockMs of elapsed time from the right PIN: then the PIN again,
  // rather than a menu whose every button answers "locked". Counted here from its answer (a little after the
  // service's start), not from its unlockedUntil: the page's clock need not be the service's (a browser on
  // another machine, a clock set), and a menu that outlives the unlock is what the refusal below catches.
  useEffect(() => {
    if (!unlocked) return;
    const timer = window.setTimeout(lockAgain, operatorUnlockMs);
    return () => window.clearTimeout(timer);
  }, [lockAgain, unlocked]);
  // A staff call refused because the unlock has ended (a clock the timer did not follow): the PIN again.
  const lockedSeen = useRef(props.lockedAgain);
  useEffect(() => {
    if (props.lockedAgain === lockedSeen.current) return;
    lockedSeen.current = props.lockedAgain;
    lockAgain();
  }, [lockAgain, props.lockedAgain]);
  return (
    <main className="screen screen-operator" aria-labelledby="operator-title">
      {/* Title, camera and Close in one row that never scrolls away: only the columns below scroll. */}
      <header className="operator-head">
        {/* At a clinic, the staff menu (as its corner button says), not the shop clerk's. */}
        <ScreenTitle id="operator-title">
          {t('operator.title', props.charge === null ? { context: 'clinic' } : {})}
        </ScreenTitle>
        {unlocked ? <CameraChoice /> : null}
        <button className="button button-secondary" onClick={props.onClose}>
          {t('actions.close')}
        </button>
      </header>
      {message === null ? null : (
        <p className="pin-warning" role="alert" data-testid="operator-message">
          {noticeWords(message)}
        </p>
      )}
      {ended && !unlocked ? (
        <p className="pin-warning" role="alert" data-testid="operator-unlock-ended">
          {t('operator.unlockEnded')}
        </p>
      ) : null}
      {unlocked ? (
        // Side by side, so a list of payments to check never pushes Exit off the screen; the notices
        // column scrolls on its own (a keyboard user reaches it by Tab: it is focusable).
        <div className="operator-columns">
          <div
            className="operator-notices"
            tabIndex={0}
            role="region"
            aria-label={t('operator.noticesLabel')}
            data-testid="operator-notices"
          >
            {props.credentialsRefused === null ? null : (
              <HubRefusesKiosk
                refused={props.credentialsRefused}
                lostPaymentsWaiting={props.lostPaymentsWaiting}
              />
            )}
            {props.faceChecksPaused ? (
              <FaceChecksPaused resume={props.resumeFaceChecks} onMessage={setMessage} />
            ) : null}
            <PaymentsToCheck
              clinic={props.charge === null}
              load={props.paymentsToCheck}
              clear={props.clearPaymentToCheck}
              onMessage={setMessage}
            />
          </div>
          <div className="operator-controls">
            {props.charge === null ? null : (
              <ChargeKeypad
                disabled={props.chargeDisabled}
                onSubmit={(amount) => void props.charge?.(amount).then(setMessage)}
              />
            )}
            <button
              className="button button-danger"
              onClick={() => void props.exit().then(setMessage)}
            >
              {t('operator.exit')}
            </button>
          </div>
        </div>
      ) : (
        <div className="operator-pin">
          <Keypad
            key="pin"
            label={t('operator.pin')}
            masked
            minLength={4}
            maxLength={8}
            submitLabel={t('actions.ok')}
            onSubmit={(pin) =>
              void props.unlock(pin).then((error) => {
                setEnded(false);
                setMessage(error);
                setUnlocked(error === null);
              })
            }
          />
        </div>
      )}
    </main>
  );
}
