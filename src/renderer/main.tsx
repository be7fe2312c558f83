// The renderer's entry: connects to the kiosk service (preload bridge or WebSocket), starts the face
// worker and the language, then shows the kiosk; a start-up failure is shown, never a blank screen, and a
// service lost later is said until it is back.
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { EnrolmentStationApp } from './EnrolmentStation.tsx';
import { FaceReader } from './face/face-reader.ts';
import { startI18n } from './i18n.ts';
import { connectKiosk } from './kiosk-client.ts';
import { mark } from './marks.ts';
import { ServiceLostScreen } from './screens/ServiceLostScreen.tsx';
import './styles.css';

async function start(root: HTMLElement): Promise<void> {
  const connection = await connectKiosk();
  const { api } = connection;
  const status = await api.call('status', {});
  if (!status.ok) throw new Error(status.error.message);
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
  const reactRoot = createRoot(root);
  // The kiosk's screens end there: every call would fail. The page says so and reloads once the service is back.
  connection.onLost(() => reactRoot.render(<ServiceLostScreen />));
  reactRoot.render(
    status.status.mode === 'enrolment' ? (
      <EnrolmentStationApp api={api} status={status.status} reader={reader} />
    ) : (
      <App api={api} status={status.status} reader={reader} />
    ),
  );
}

const root = document.getElementById('root');
if (root !== null) {
  start(root).catch((error: unknown) => {
    document.body.dataset['screen'] = 'startup_failed';
    root.innerHTML = '';
    const box = document.createElement('main');
    box.className = 'screen screen-error';
    const title = document.createElement('h1');
    title.textContent = 'このキオスクは準備中です / This kiosk is not ready';
    const detail = document.createElement('p');
    detail.textContent = error instanceof Error ? error.message : String(error);
    box.append(title, detail);
    root.append(box);
  });
}
