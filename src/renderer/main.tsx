// The renderer's entry: connects to the kiosk service (preload bridge or WebSocket), starts the face
// worker and the language, then shows the kiosk; a start-up failure is shown in the locale's words (never a
// blank screen, never the raw error) and the page retries by itself; a service lost later is said until it is back.
import i18next from 'i18next';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { EnrolmentStationApp } from './EnrolmentStation.tsx';
import { FaceReader } from './face/face-reader.ts';
import { startI18n, type Language } from './i18n.ts';
import { connectKiosk } from './kiosk-client.ts';
import { mark } from './marks.ts';
import { ServiceLostScreen } from './screens/ServiceLostScreen.tsx';
import { StartupFailedScreen } from './screens/StartupFailedScreen.tsx';
import './styles.css';

/** Failed starts in a row (this tab's session), for the backoff; cleared once a start succeeds. */
const attemptsKey = 'facepay.failedStarts';
/** The first retry's wait, doubled on each failure in a row, at most retryMsMax. */
const retryMsFirst = 3_000;
const retryMsMax = 60_000;

/** What a failed start knew: the service's default language and the shop's name, once its status came. */
const known: { language: Language; shopName: string; clinic: boolean } = {
  language: 'ja',
  shopName: '',
  clinic: false,
};

async function start(root: HTMLElement): Promise<void> {
  const connection = await connectKiosk();
  const { api } = connection;
  const status = await api.call('status', {});
  if (!status.ok) throw new Error(`${status.error.code}: ${status.error.message}`);
  known.language = status.status.defaultLanguage;
  known.shopName = status.status.shopName;
  known.clinic = status.status.mode === 'clinic';
  await startI18n(status.status.defaultLanguage);
  const reader = new FaceReader({
    policy: status.status.livenessPolicy,
    challengeKinds: status.status.challengeKinds,
    modelsBaseUrl: new URL('/models/', window.location.href).href,
    wasmBaseUrl: new URL('/wasm/', window.location.href).href,
  });
  const ready = await reader.ready();
  mark('engine_ready', { backend: ready.backend, startupMs: ready.startupMs });
  document.body.dataset['engine'] = ready.backend;
  window.sessionStorage.removeItem(attemptsKey);
  const reactRoot = createRoot(root);
  // The kiosk's screens end there: every call would fail. The page says so and reloads once the service is back.
  connection.onLost((lost) =>
    reactRoot.render(
      <ServiceLostScreen
        paymentUnconfirmed={lost.paymentUnconfirmed}
        paymentFailed={lost.paymentFailed}
        clinic={lost.clinic}
      />,
    ),
  );
  reactRoot.render(
    status.status.mode === 'enrolment' ? (
      <EnrolmentStationApp api={api} status={status.status} reader={reader} />
    ) : (
      <App
        api={api}
        status={status.status}
        reader={reader}
        forgetPayment={connection.forgetPayment}
      />
    ),
  );
}

/** The failure screen in the locale's words; the page reloads after a wait that doubles with each failure. */
async function showStartupFailed(root: HTMLElement, error: unknown): Promise<void> {
  // For staff and the logs only: the shopper reads the locale's words.
  console.error('kiosk start failed:', error instanceof Error ? error.message : String(error));
  const failed = Number(window.sessionStorage.getItem(attemptsKey) ?? '0') || 0;
  window.sessionStorage.setItem(attemptsKey, String(failed + 1));
  const retryInMs = Math.min(retryMsFirst * 2 ** failed, retryMsMax);
  if (!i18next.isInitialized) await startI18n(known.language);
  root.innerHTML = '';
  createRoot(root).render(
    <StartupFailedScreen shopName={known.shopName} retryInMs={retryInMs} clinic={known.clinic} />,
  );
}

const root = document.getElementById('root');
if (root !== null) {
  start(root).catch((error: unknown) => {
    showStartupFailed(root, error).catch(() => {
      // Not even the words could be shown: reload after the longest wait rather than stay blank for good.
      document.body.dataset['screen'] = 'startup_failed';
      window.setTimeout(() => window.location.reload(), retryMsMax);
    });
  });
}
