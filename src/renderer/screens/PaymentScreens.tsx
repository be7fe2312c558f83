// The payment's plain screens: idle (the shop's name), confirm (masked name and amount), paying,
// the receipt, and every failure with its way out (retry, member number + PIN, call staff).
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import { kioskReceiptScreenMs } from '../../shared/limits.ts';
import { Amount } from './parts.tsx';

export function IdleScreen(props: { shopName: string; onOperator: () => void }) {
  const { t } = useTranslation();
  return (
    <main className="screen screen-idle" aria-labelledby="idle-title">
      <h1 id="idle-title" className="idle-title">
        {t('idle.welcome', { shop: props.shopName })}
      </h1>
      <p className="idle-hint">{t('idle.hint')}</p>
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

export function ConfirmScreen(props: {
  payment: PaymentView;
  shopName: string;
  busy: boolean;
  onOk: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <main className="screen screen-confirm" aria-labelledby="confirm-title">
      <h1 id="confirm-title">{t('confirm.title')}</h1>
      <p className="masked-name" data-testid="masked-name">
        {t('confirm.name', { name: props.payment.displayNameMasked ?? '' })}
      </p>
      <Amount amount={props.payment.amount} label={t('confirm.payTo', { shop: props.shopName })} />
      <div className="actions">
        <button
          className="button button-primary"
          onClick={props.onOk}
          disabled={props.busy}
          data-testid="confirm-ok"
        >
          {t('actions.ok')}
        </button>
        <button className="button button-secondary" onClick={props.onCancel} disabled={props.busy}>
          {t('actions.notMe')}
        </button>
      </div>
    </main>
  );
}

export function WorkingScreen() {
  const { t } = useTranslation();
  return (
    <main className="screen screen-working" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <p role="status">{t('working.paying')}</p>
    </main>
  );
}

export function ReceiptScreen(props: { payment: PaymentView; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const receipt = props.payment.receipt;
  const { onDone } = props;
  useEffect(() => {
    const timer = window.setTimeout(onDone, kioskReceiptScreenMs);
    return () => window.clearTimeout(timer);
  }, [onDone]);
  if (receipt === null) return null;
  // Month spelled out in English: 01/12 reads as January in one country and December in another.
  const time = new Intl.DateTimeFormat(i18n.language === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(new Date(receipt.settledAt));
  return (
    <main className="screen screen-receipt" aria-labelledby="receipt-title">
      <h1 id="receipt-title" className="receipt-title">
        ✓ {t('receipt.title')}
      </h1>
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

/** Which ways out a failure offers. */
const waysOut: Record<string, readonly ('retry' | 'memberPin' | 'staff')[]> = {
  no_match: ['retry', 'memberPin', 'staff'],
  liveness_failed: ['retry', 'memberPin', 'staff'],
  face_timeout: ['retry', 'memberPin', 'staff'],
  hub_unreachable: ['retry', 'staff'],
  insufficient_funds: ['staff'],
  limit_exceeded: ['staff'],
  category_blocked: ['staff'],
  age_restricted: ['staff'],
  pin_locked: ['staff'],
  transform_key_outdated: ['retry', 'staff'],
};

export function ErrorScreen(props: {
  code: string;
  payment: PaymentView | null;
  onRetry: () => void;
  onMemberPin: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const known = waysOut[props.code] !== undefined;
  const ways = waysOut[props.code] ?? ['retry', 'staff'];
  const open = props.payment !== null && ['waiting_for_face', 'pin'].includes(props.payment.state);
  return (
    <main
      className="screen screen-error"
      aria-labelledby="error-title"
      data-testid="error-screen"
      data-code={props.code}
    >
      <h1 id="error-title" className="error-title">
        {t(known ? `error.${props.code}.title` : 'error.other.title')}
      </h1>
      <p className="error-body" role="alert">
        {t(known ? `error.${props.code}.body` : 'error.other.body')}
      </p>
      <div className="actions">
        {ways.includes('retry') && open ? (
          <button className="button button-primary" onClick={props.onRetry}>
            {t('actions.retry')}
          </button>
        ) : null}
        {ways.includes('memberPin') && open ? (
          <button
            className="button button-secondary"
            onClick={props.onMemberPin}
            data-testid="member-pin"
          >
            {t('actions.memberPin')}
          </button>
        ) : null}
        {ways.includes('staff') ? <p className="staff-note">{t('actions.staff')}</p> : null}
        <button className="button button-secondary" onClick={props.onClose}>
          {t(open ? 'actions.cancelPayment' : 'actions.close')}
        </button>
      </div>
    </main>
  );
}

export function CameraProblemScreen(props: {
  problem: string;
  canPay: boolean;
  onRetry: () => void;
  onMemberPin: () => void;
}) {
  const { t } = useTranslation();
  return (
    <main
      className="screen screen-error"
      aria-labelledby="camera-title"
      data-testid="camera-problem"
      data-problem={props.problem}
    >
      <h1 id="camera-title" className="error-title">
        {t(`camera.${props.problem}.title`)}
      </h1>
      <p className="error-body" role="alert">
        {t(`camera.${props.problem}.body`)}
      </p>
      <div className="actions">
        <button className="button button-primary" onClick={props.onRetry}>
          {t('camera.retry')}
        </button>
        {props.canPay ? (
          <button className="button button-secondary" onClick={props.onMemberPin}>
            {t('actions.memberPin')}
          </button>
        ) : null}
        <p className="staff-note">{t('actions.staff')}</p>
      </div>
    </main>
  );
}
