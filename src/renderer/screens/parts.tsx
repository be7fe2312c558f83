// Small pieces every screen shares: the amount in yen, the language switch, the top bar with the
// shop's name, and the staff-call notice.
import { useTranslation } from 'react-i18next';
import type { Language } from '../i18n.ts';

export function Amount(props: { amount: number; label?: string }) {
  const { t, i18n } = useTranslation();
  const formatted = new Intl.NumberFormat(i18n.language === 'ja' ? 'ja-JP' : 'en-US').format(
    props.amount,
  );
  return (
    <p className="amount" data-testid="amount">
      <span className="amount-label">{props.label ?? t('amount.label')}</span>
      <span className="amount-value">{t('amount.yen', { amount: formatted })}</span>
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
