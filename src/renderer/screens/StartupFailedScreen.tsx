// What the kiosk shows when its start fails (models or WASM not loaded, the face worker down, the service not
// answering): the locale's words, never the raw error (that goes to the console), and a retry by itself.
import { useEffect, useLayoutEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { switchLanguage } from '../i18n.ts';
import { mark } from '../marks.ts';
import { ScreenTitle, TopBar } from './parts.tsx';

/** sessionStorage: the next start was asked for by "try again" (main.tsx does not count it in the backoff). */
export const startupRetryTappedKey = 'facepay.startRetryTapped';

/**
 * The screen for a failed start; the page reloads after `retryInMs` (the caller's backoff). Like every
 * failure screen it offers its ways out: a start tried again at once, and staff (no call from here can
 * reach the kiosk's staff menu, which needs the started kiosk). `clinic`: the reception's words for staff.
 */
export function StartupFailedScreen(props: {
  shopName: string;
  retryInMs: number;
  clinic?: boolean;
}) {
  const { t } = useTranslation();
  const context = props.clinic === true ? { context: 'clinic' } : {};
  useLayoutEffect(() => {
    document.body.dataset['screen'] = 'startup_failed';
    mark('screen:startup_failed', { retryInMs: props.retryInMs });
  }, [props.retryInMs]);
  useEffect(() => {
    const timer = window.setTimeout(() => window.location.reload(), props.retryInMs);
    return () => window.clearTimeout(timer);
  }, [props.retryInMs]);
  return (
    <div className="kiosk" data-screen="startup_failed">
      <TopBar
        shopName={props.shopName}
        hub="reachable"
        onLanguage={(language) => void switchLanguage(language)}
      />
      <main className="screen screen-error" aria-labelledby="startup-failed-title">
        <ScreenTitle id="startup-failed-title">{t('startupFailed.title')}</ScreenTitle>
        <p className="error-body" role="alert">
          {t('startupFailed.body')}
        </p>
        <div className="actions">
          <button
            className="button button-primary"
            data-testid="startup-retry"
            onClick={() => {
              // The start this reload makes is the shopper's, not the backoff's: it does not lengthen the wait.
              window.sessionStorage.setItem(startupRetryTappedKey, '1');
              window.location.reload();
            }}
          >
            {t('actions.retry')}
          </button>
          <p className="staff-note">{t('actions.staff', context)}</p>
        </div>
      </main>
    </div>
  );
}
