// A kiosk service socket that opens but whose status call is never answered (the service behind the shell
// hangs) fails the start like an unopened one: the start-failure screen shows, never a blank page for good.
import { describe, expect, it } from 'vitest';
import { waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { kioskServiceStatusAnswerMsMax } from '../../src/shared/limits.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe("a kiosk service that never answers the page's status call", () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-status-unanswered',
    prefix: 'facepay-startup-status-unanswered-e2e-',
  });

  it('shows the start-failure screen, then retries by itself and reaches idle', async () => {
    await kiosk.hubReachable();
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    // The first start's socket reaches the shell and opens, but its status call never does; later starts'
    // sockets pass everything.
    let sockets = 0;
    let statusCallsDropped = 0;
    /** Whether `message` (page to service) is a status call, which the first socket drops. */
    const isStatusCall = (message: string | Buffer): boolean =>
      typeof message === 'string' &&
      (JSON.parse(message) as { method?: string }).method === 'status';
    try {
      await context.routeWebSocket(
        (url) => url.pathname === '/kiosk/v1/ws',
        (socket) => {
          sockets += 1;
          const server = socket.connectToServer();
          if (sockets > 1) return;
          socket.onMessage((message) => {
            if (isStatusCall(message)) statusCallsDropped += 1;
            else server.send(message);
          });
        },
      );
      const page = await context.newPage();
      await page.goto(kiosk.shell().url);
      await waitForScreen(page, ['startup_failed'], kioskServiceStatusAnswerMsMax + 30_000);
      expect(statusCallsDropped).toBe(1);
      expect(sockets).toBe(1);
      await waitForScreen(page, ['idle'], 60_000);
      expect(sockets).toBe(2);
    } finally {
      await context.close();
    }
  }, 300_000);
});
