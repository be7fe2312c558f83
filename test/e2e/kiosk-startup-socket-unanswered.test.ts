// A kiosk service socket that neither opens nor is refused (the shell took the connection and never answered)
// fails the start like a refused one: the start-failure screen shows, and its retry reaches idle unaided.
import { describe, expect, it } from 'vitest';
import { waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { kioskServiceOpenMsMax } from '../../src/shared/limits.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe('a kiosk service socket that never answers', () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-socket-unanswered',
    prefix: 'facepay-startup-socket-unanswered-e2e-',
  });

  it('shows the start-failure screen, then retries by itself and reaches idle', async () => {
    await kiosk.hubReachable();
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    // Playwright keeps a routed socket neither open nor closed while its handler has not returned: the first
    // start's socket is held so until the test ends; later starts' sockets reach the shell.
    let sockets = 0;
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await context.routeWebSocket(
        (url) => url.pathname === '/kiosk/v1/ws',
        async (socket) => {
          sockets += 1;
          if (sockets === 1) await held;
          else socket.connectToServer();
        },
      );
      const page = await context.newPage();
      await page.goto(kiosk.shell().url);
      await waitForScreen(page, ['startup_failed'], kioskServiceOpenMsMax + 30_000);
      expect(sockets).toBe(1);
      await waitForScreen(page, ['idle'], 60_000);
      expect(sockets).toBe(2);
    } finally {
      release();
      await context.close();
    }
  }, 300_000);
});
