// Small pieces every screen shares: the amount in yen, the language switch, the top bar with the
// shop's name, the staff-call notice, the confirm screen's frame and a screen that leaves by itself.
import type { ReactNode } from 'react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import type { Language } from '../i18n.ts';

/** i18next context for a check-in's words ("cancel check-in", not "cancel payment"); none for a purchase. */
export function purposeContext(payment: PaymentView | null): { context?: string } {
  return payment?.purpose === 'clinic_visit' ? { context: 'clinic' } : {};
}

export function useYen() {
  const { t, i18n } = useTranslation();
  const number = new Intl.NumberFormat(i18n.language === 'ja' ? 'ja-JP' : 'en-US');
  return (amount: number) => t('amount.yen', { amount: number.format(amount) });
}

/** An amount inside a sentence (the clinic board's "paid ¥3,210"). */
export function Yen(props: { amount: number }) {
  const yen = useYen();
  return <span className="yen">{yen(props.amount)}</span>;
}

export function Amount(props: { amount: number; label?: string }) {
  const { t } = useTranslation();
  const yen = useYen();
  return (
    <p className="amount" data-testid="amount">
      <span className="amount-label">{props.label ?? t('amount.label')}</span>
      <span className="amount-value">{yen(props.amount)}</span>
    </p>
  );
}

export function TopBar(props: {
  shopName: string;
  hub: 'reachable' | 'unreachable';
  /** What the badge says while the hub is out of reach; default: the payment server's words. */
  offline?: string;
  onLanguage: (language: Language) => void;
}) {
  const { t, i18n } = useTranslation();
  const other: Language = i18n.language === 'ja' ? 'en' : 'ja';
  return (
    <header className="top-bar">
      <span className="shop-name">{props.shopName}</span>
      {props.hub === 'unreachable' ? (
        <span className="hub-offline" role="alert">
          {props.offline ?? t('hub.offline')}
        </span>
      ) : null}
      <button
        className="language-switch"
        onClick={() => props.onLanguage(other)}
        aria-label={t('language.switchTo')}
        lang={other}
        data-testid="language-switch"
      >
        {other === 'en' ? 'English' : '日本語'}
      </button>
    </header>
  );
}

/** Calls `onDone` once `ms` after the screen shows (receipt, waiting), unless the screen goes first. */
export function useDoneAfter(onDone: () => void, ms: number) {
  useEffect(() => {
    const timer = window.setTimeout(onDone, ms);
    return () => window.clearTimeout(timer);
  }, [onDone, ms]);
}

/**
 * What the shopper or patient confirms: a title, their masked name, the amount, anything the mode adds
 * below it, then OK and "not me" (both off while the kiosk is busy).
 */
export function ConfirmFrame(props: {
  title: string;
  name: string;
  amount: number;
  amountLabel: string;
  okLabel: string;
  busy: boolean;
  onOk: () => void;
  onCancel: () => void;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <main className="screen screen-confirm" aria-labelledby="confirm-title">
      <h1 id="confirm-title">{props.title}</h1>
      <p className="masked-name" data-testid="masked-name">
        {props.name}
      </p>
      <Amount amount={props.amount} label={props.amountLabel} />
      {props.children}
      <div className="actions">
        <button
          className="button button-primary"
          onClick={props.onOk}
          disabled={props.busy}
          data-testid="confirm-ok"
        >
          {props.okLabel}
        </button>
        <button className="button button-secondary" onClick={props.onCancel} disabled={props.busy}>
          {t('actions.notMe')}
        </button>
      </div>
    </main>
  );
}
