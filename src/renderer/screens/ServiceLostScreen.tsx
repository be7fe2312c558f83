// What the kiosk shows while its service is gone (the web shell stopped or restarted): a page whose socket
// died would otherwise sit on its last screen, every tap failing, until someone reloaded it by hand.
import { useEffect, useLayoutEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { kioskServiceAnswers } from '../kiosk-client.ts';
import { mark } from '../marks.ts';
import { ScreenTitle } from './parts.tsx';

/** How often the page asks whether the service is back. */
const askEveryMs = 1000;

/**
 * Both languages at once (nothing here can switch them), and a reload as soon as the service answers: the
 * reloaded page reads the service's state afresh (a payment it kept, a pause), and gets a new session.
 * `paymentUnconfirmed`: the service went while a payment's hold request was out (kiosk-client's LostService),
 * so the screen says the payment could not be confirmed and to ask staff, not only "restarting".
 * `paymentFailed`: that payment had already closed failed, its screen saying money may have been taken:
 * the same warning, worded for a payment that failed rather than one cut off.
 */
export function ServiceLostScreen(props: {
  paymentUnconfirmed?: boolean;
  paymentFailed?: boolean;
  clinic?: boolean;
}) {
  const context = props.clinic === true ? { context: 'clinic' } : {};
  const paymentKey =
    props.paymentFailed === true
      ? 'serviceLost.paymentFailedUnconfirmed'
      : 'serviceLost.paymentUnconfirmed';
  const { t } = useTranslation();
  useLayoutEffect(() => {
    document.body.dataset['screen'] = 'service_lost';
    mark('screen:service_lost');
  }, []);
  useEffect(() => {
    let stopped = false;
    const askAgain = async (): Promise<void> => {
      if (stopped) return;
      if (await kioskServiceAnswers()) window.location.reload();
      else setTimeout(() => void askAgain(), askEveryMs);
    };
    const first = setTimeout(() => void askAgain(), askEveryMs);
    return () => {
      stopped = true;
      clearTimeout(first);
    };
  }, []);
  return (
    <div className="kiosk" data-screen="service_lost">
      <main className="screen screen-service-lost" aria-labelledby="service-lost-title">
        <div lang="ja">
          <ScreenTitle id="service-lost-title" className="service-lost-title">
            {t('serviceLost.title', { lng: 'ja' })}
          </ScreenTitle>
          <p className="error-body" role="alert">
            {t('serviceLost.body', { lng: 'ja' })}
          </p>
          {props.paymentUnconfirmed === true ? (
            <p className="error-body service-lost-payment">
              {t(paymentKey, { lng: 'ja', ...context })}
            </p>
          ) : null}
        </div>
        <div lang="en">
          <p className="service-lost-title">{t('serviceLost.title', { lng: 'en' })}</p>
          <p className="error-body">{t('serviceLost.body', { lng: 'en' })}</p>
          {props.paymentUnconfirmed === true ? (
            <p className="error-body service-lost-payment">
              {t(paymentKey, { lng: 'en', ...context })}
            </p>
          ) : null}
        </div>
      </main>
    </div>
  );
}
