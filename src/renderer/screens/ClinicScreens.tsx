// Clinic reception: the idle screen with today's board (queue numbers and what each visit paid and
// released, never a name), the check-in confirmation (the cap to be held), and the waiting screen.
import { useTranslation } from 'react-i18next';
import type { PaymentView, VisitView } from '../../shared/kiosk-api.ts';
import {
  clinicBoardVisitsShownMax,
  clinicWaitingScreenMs,
  pinOnlyAmountMax,
} from '../../shared/limits.ts';
import { dateTimeFormat } from '../date-time.ts';
import { IdleFaceChecksPaused, IdleRefused } from './PaymentScreens.tsx';
import { Amount, ConfirmFrame, ScreenTitle, useDoneAfter, useYen, Yen } from './parts.tsx';

function useClock() {
  const { i18n } = useTranslation();
  const time = dateTimeFormat(i18n.language, 'clock');
  return (iso: string) => time.format(new Date(iso));
}

/** One line of the board: the number and, once the clinic's event came, "paid ¥X, released ¥Y". */
function VisitLine(props: { visit: VisitView }) {
  const { t } = useTranslation();
  const { visit } = props;
  return (
    <li
      className={`visit visit-${visit.state}`}
      data-testid={`visit-${visit.queueNumber}`}
      data-state={visit.state}
    >
      <span className="visit-number">{t('clinic.number', { number: visit.queueNumber })}</span>
      <span className="visit-state">
        {/* Each label with its amount on one line: an amount alone on the next line reads as another item. */}
        {visit.state === 'paid' ? (
          <>
            <span className="visit-part">
              {t('clinic.state.paid')} <Yen amount={visit.paid} />
            </span>
            {visit.released > 0 ? (
              <>
                {t('clinic.comma')}
                <span className="visit-part">
                  {t('clinic.state.releasedPart')} <Yen amount={visit.released} />
                </span>
              </>
            ) : null}
          </>
        ) : visit.state === 'waiting' ? (
          <>
            {t('clinic.state.waiting')}
            {t('clinic.comma')}
            <span className="visit-part">
              {t('clinic.state.held')} <Yen amount={visit.held} />
            </span>
          </>
        ) : visit.state === 'gone' ? (
          // The hub has no such hold: no amount is known to show.
          <span className="visit-part">{t('clinic.state.gone')}</span>
        ) : (
          <span className="visit-part">
            {t(`clinic.state.${visit.state}`)} <Yen amount={visit.released} />
          </span>
        )}
      </span>
    </li>
  );
}

export function ClinicIdleScreen(props: {
  clinicName: string;
  cap: number;
  visits: readonly VisitView[];
  canCheckIn: boolean;
  /**
   * The hub refuses this kiosk's credentials until staff provision it again: nothing here checks in, so the
   * board says so in place of the hint and shows no button to press.
   */
  refused: boolean;
  /** The kiosk reads no face: the member number and PIN check in (where they pay the cap), or the desk. */
  faceChecksPaused: boolean;
  message: string | null;
  onCheckIn: () => void;
  onOperator: () => void;
}) {
  const { t } = useTranslation();
  const yen = useYen();
  const shown = props.visits.slice(0, clinicBoardVisitsShownMax);
  // Above what the member number and PIN pay alone, a paused kiosk checks nobody in: only the desk can.
  const memberPinChecksIn = props.cap <= pinOnlyAmountMax;
  const paused = props.faceChecksPaused;
  return (
    <main className="screen screen-idle screen-clinic" aria-labelledby="idle-title">
      <ScreenTitle id="idle-title" className="clinic-title">
        {t('clinic.welcome', { clinic: props.clinicName })}
      </ScreenTitle>
      {props.refused ? (
        <IdleRefused title={t('idle.refusedTitle_clinic')} body={t('idle.refusedBody_clinic')} />
      ) : paused ? (
        <IdleFaceChecksPaused
          title={t(
            memberPinChecksIn ? 'idle.facePausedTitle_clinic' : 'idle.facePausedTitle_clinicDesk',
          )}
          body={t(
            memberPinChecksIn ? 'idle.facePausedBody_clinic' : 'idle.facePausedBody_clinicDesk',
            { cap: yen(props.cap) },
          )}
        />
      ) : (
        <p className="idle-hint">{t('clinic.hint', { cap: yen(props.cap) })}</p>
      )}
      {props.message === null || props.refused ? null : (
        <p className="pin-warning" role="alert">
          {props.message}
        </p>
      )}
      {/* Refused, or paused above what the member number holds: nothing on this kiosk checks in, so no button. */}
      {props.refused || (paused && !memberPinChecksIn) ? null : (
        <button
          className="button button-primary button-large"
          onClick={props.onCheckIn}
          disabled={!props.canCheckIn}
          data-testid="check-in"
        >
          {t(paused ? 'clinic.checkIn_paused' : 'clinic.checkIn')}
        </button>
      )}
      <section className="visit-board" aria-labelledby="board-title">
        <h2 id="board-title">{t('clinic.board')}</h2>
        {shown.length === 0 ? (
          <p className="visit-empty">{t('clinic.boardEmpty')}</p>
        ) : (
          <ol className="visits">
            {shown.map((visit) => (
              <VisitLine key={visit.holdId} visit={visit} />
            ))}
          </ol>
        )}
      </section>
      <button
        className="operator-corner"
        onClick={props.onOperator}
        aria-label={t('operator.open', { context: 'clinic' })}
      >
        {t('operator.short', { context: 'clinic' })}
      </button>
    </main>
  );
}

export function ClinicConfirmScreen(props: {
  payment: PaymentView;
  clinicName: string;
  noShowAfterSeconds: number;
  busy: boolean;
  onOk: () => void;
  onNotMe: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  // Rounded down: the patient is never told they have longer than the hold waits.
  const seconds = props.noShowAfterSeconds;
  const within =
    seconds >= 3600
      ? t('clinic.withinHours', { count: Math.floor(seconds / 3600) })
      : seconds >= 60
        ? t('clinic.withinMinutes', { count: Math.floor(seconds / 60) })
        : t('clinic.withinSeconds', { count: seconds });
  return (
    <ConfirmFrame
      title={t('clinic.confirmTitle', { clinic: props.clinicName })}
      name={t('confirm.name', { name: props.payment.displayNameMasked ?? '' })}
      amount={props.payment.amount}
      amountLabel={t('clinic.capLabel')}
      okLabel={t('clinic.checkInOk')}
      cancelLabel={t('actions.cancelPayment', { context: 'clinic' })}
      busy={props.busy}
      onOk={props.onOk}
      onNotMe={props.onNotMe}
      onCancel={props.onCancel}
    >
      <p className="clinic-note">{t('clinic.capNote', { within })}</p>
    </ConfirmFrame>
  );
}

export function ClinicWaitingScreen(props: { payment: PaymentView; onDone: () => void }) {
  const { t } = useTranslation();
  const clock = useClock();
  const { onDone } = props;
  useDoneAfter(onDone, clinicWaitingScreenMs);
  const visit = props.payment.visit;
  if (visit === null) return null;
  return (
    <main className="screen screen-waiting" aria-labelledby="waiting-title">
      <ScreenTitle id="waiting-title" className="receipt-title">
        ✓ {t('clinic.checkedIn')}
      </ScreenTitle>
      <p className="queue-label">{t('clinic.yourNumber')}</p>
      <p className="queue-number" data-testid="queue-number">
        {visit.queueNumber}
      </p>
      <Amount amount={visit.held} label={t('clinic.heldLabel')} />
      <p className="clinic-note">{t('clinic.waitingNote')}</p>
      {/* Its own line: the one time the patient must keep, not the end of a paragraph about seats. */}
      <p className="clinic-deadline">
        {t('clinic.releaseNote', { deadline: clock(visit.deadline) })}
      </p>
      <button className="button button-primary" onClick={props.onDone}>
        {t('actions.done')}
      </button>
    </main>
  );
}
