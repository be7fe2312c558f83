// A kiosk service socket that closes after answering the page's status, while the face engine still starts
// (the shell restarted then): the page says the service is lost and reloads, never a kiosk on a dead socket.
import { describe, expect, it } from 'vitest';
import { waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe('a kiosk service socket closed while the page starts its face engine', () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-socket-closed-before-ready',
    prefix: 'facepay-startup-socket-closed-e2e-',
  });

  it('shows the service-lost screen, then reloads by itself and reaches idle', async () => {
    await kiosk.hubReachable();
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    // The first start's socket is closed on the page's side right after the status answer reaches it;
    // later starts' sockets pass everything.
    let sockets = 0;
    let closedAfterStatus = 0;
    try {
      await context.routeWebSocket(
        (url) => url.pathname === '/kiosk/v1/ws',
        (socket) => {
          sockets += 1;
          const server = socket.connectToServer();
          if (sockets > 1) return;
          server.onMessage((message) => {
            socket.send(message);
            if (typeof message !== 'string') return;
            const result = JSON.parse(message) as { kind?: string; result?: { status?: unknown } };
            if (result.kind !== 'result' || result.result?.status === undefined) return;
            closedAfterStatus += 1;
            void socket.close();
          });
        },
      );
      const page = await context.newPage();
      await page.goto(kiosk.shell().url);
      expect(await waitForScreen(page, ['service_lost', 'idle'], 90_000)).toBe('service_lost');
      expect(closedAfterStatus).toBe(1);
      await waitForScreen(page, ['idle'], 60_000);
      expect(sockets).toBe(2);
    } finally {
      await context.close();
    }
  }, 300_000);
});
