// The renderer's entry: connects to the kiosk service (preload bridge or WebSocket), starts the face
// worker and the language, then shows the kiosk; a start-up failure is shown in the locale's words (never a
// blank screen, never the raw error) and the page retries by itself; a service lost later is said until it is back.
import i18next from 'i18next';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { EnrolmentStationApp } from './EnrolmentStation.tsx';
import { FaceReader } from './face/face-reader.ts';
import { startI18n, type Language } from './i18n.ts';
import { connectKiosk, type KioskConnection } from './kiosk-client.ts';
import { kioskServiceStatusAnswerMsMax } from '../shared/limits.ts';
import { mark } from './marks.ts';
import { ServiceLostScreen } from './screens/ServiceLostScreen.tsx';
import { StartupFailedScreen, startupRetryTappedKey } from './screens/StartupFailedScreen.tsx';
import './styles.css';

/** Failed starts in a row (this tab's session), for the backoff; cleared once a start succeeds. */
const attemptsKey = 'facepay.failedStarts';
/** What the last start read of the service (`known`), kept over the reloads a failed start makes. */
const knownKey = 'facepay.startKnown';
/** The first retry's wait, doubled on each failure in a row, at most retryMsMax. */
const retryMsFirst = 3_000;
const retryMsMax = 60_000;

/** What a failed start knew: the service's default language and the shop's name, once its status came. */
const known: { language: Language; shopName: string; clinic: boolean } = {
  language: 'ja',
  shopName: '',
  clinic: false,
  ...readKnown(),
};

/** `known` as an earlier start in this tab read it (a clinic's staff note stays the reception's), if any. */
function readKnown(): Partial<typeof known> {
  try {
    const saved = JSON.parse(window.sessionStorage.getItem(knownKey) ?? '{}') as Partial<
      typeof known
    >;
    return {
      ...(saved.language === 'ja' || saved.language === 'en' ? { language: saved.language } : {}),
      ...(typeof saved.shopName === 'string' ? { shopName: saved.shopName } : {}),
      ...(typeof saved.clinic === 'boolean' ? { clinic: saved.clinic } : {}),
    };
  } catch {
    return {};
  }
}

async function start(root: HTMLElement): Promise<void> {
  const connection = await connectKiosk();
  try {
    await startOn(root, connection);
  } catch (error) {
    // The page reloads after its back-off: the socket is not held open meanwhile.
    connection.close();
    throw error;
  }
}

/** The start once the service's socket is open: its status, the language and face engine, the kiosk. */
async function startOn(root: HTMLElement, connection: KioskConnection): Promise<void> {
  const { api } = connection;
  const status = await answeredWithin(api.call('status', {}), kioskServiceStatusAnswerMsMax);
  if (!status.ok) throw new Error(`${status.error.code}: ${status.error.message}`);
  known.language = status.status.defaultLanguage;
  known.shopName = status.status.shopName;
  known.clinic = status.status.mode === 'clinic';
  try {
    window.sessionStorage.setItem(knownKey, JSON.stringify(known));
  } catch {
    // Storage disabled or full: a later failed start shows the defaults, and this start goes on.
  }
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
  window.sessionStorage.removeItem(startupRetryTappedKey);
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

/**
 * `call`'s answer, or a failed start once `ms` have passed without one: the socket opened but the service
 * behind it never answers. Only for the start's status call, which changes nothing: a call that may take money
 * must wait for its answer (the page cannot say it failed while the service may still do it).
 */
async function answeredWithin<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer = 0;
  const unanswered = new Promise<never>((_resolve, reject) => {
    timer = window.setTimeout(
      () => reject(new Error(`the kiosk service did not answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([call, unanswered]);
  } finally {
    window.clearTimeout(timer);
  }
}

/** The failure screen in the locale's words; the page reloads after a wait that doubles with each failure. */
async function showStartupFailed(root: HTMLElement, error: unknown): Promise<void> {
  // For staff and the logs only: the shopper reads the locale's words.
  console.error('kiosk start failed:', error instanceof Error ? error.message : String(error));
  const failed = Number(window.sessionStorage.getItem(attemptsKey) ?? '0') || 0;
  // A start the shopper tried again by hand fails as the last one did: the same wait, not a longer one.
  const tapped = window.sessionStorage.getItem(startupRetryTappedKey) !== null && failed > 0;
  window.sessionStorage.removeItem(startupRetryTappedKey);
  if (!tapped) window.sessionStorage.setItem(attemptsKey, String(failed + 1));
  const retryInMs = Math.min(retryMsFirst * 2 ** (tapped ? failed - 1 : failed), retryMsMax);
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
