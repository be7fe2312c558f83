// A kiosk start that failed on its unanswered status call closes its socket to the service at once: the page
// does not hold it open through the back-off until its reload opens a new one.
import { describe, expect, it } from 'vitest';
import { screenOf, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { kioskServiceStatusAnswerMsMax } from '../../src/shared/limits.ts';
import { until, useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe('a kiosk start whose status call went unanswered', () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-status-unanswered-socket-closed',
    prefix: 'facepay-startup-status-socket-closed-e2e-',
  });

  it('closes its socket while the start-failure screen waits to retry', async () => {
    await kiosk.hubReachable();
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    // Ten failed starts already in this tab: the retry waits the longest back-off (a minute), so a socket
    // closed by the reload cannot pass for one closed by the failed start.
    await context.addInitScript(() => window.sessionStorage.setItem('facepay.failedStarts', '10'));
    let sockets = 0;
    let closedByPage = false;
    try {
      await context.routeWebSocket(
        (url) => url.pathname === '/kiosk/v1/ws',
        (socket) => {
          sockets += 1;
          const server = socket.connectToServer();
          socket.onMessage((message) => {
            const status =
              typeof message === 'string' &&
              (JSON.parse(message) as { method?: string }).method === 'status';
            if (!status) server.send(message);
          });
          socket.onClose(() => {
            closedByPage = true;
            void server.close();
          });
        },
      );
      const page = await context.newPage();
      await page.goto(kiosk.shell().url);
      await waitForScreen(page, ['startup_failed'], kioskServiceStatusAnswerMsMax + 30_000);
      await until(() => closedByPage, 30_000);
      expect(await screenOf(page)).toBe('startup_failed');
      expect(sockets).toBe(1);
    } finally {
      await context.close();
    }
  }, 300_000);
});
