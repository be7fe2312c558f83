// Small pieces every screen shares: the amount in yen, the language switch, the top bar with the
// shop's name, and the staff-call notice.
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
  onLanguage: (language: Language) => void;
}) {
  const { t, i18n } = useTranslation();
  const other: Language = i18n.language === 'ja' ? 'en' : 'ja';
  return (
    <header className="top-bar">
      <span className="shop-name">{props.shopName}</span>
      {props.hub === 'unreachable' ? (
        <span className="hub-offline" role="alert">
          {t('hub.offline')}
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
