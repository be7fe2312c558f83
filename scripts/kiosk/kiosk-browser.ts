// Drives the kiosk renderer in Debian's Chromium like a shopper and a till would: the camera fed from
// a .y4m clip, the amount sent by the till API, taps on OK and the PIN pad, screenshots of each screen,
// and the payment's timeline read back from the page. Used by the e2e tests, `npm run demo` and bench:e2e.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { chromiumPath, requireTool } from './camera-clip.ts';

/** Headless Debian Chromium for tests: no sandbox (root in CI), no GPU, no network of its own. */
export const headlessChromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const chromiumArgs = [...headlessChromiumArgs, '--autoplay-policy=no-user-gesture-required'];

/** Chromium with its fake camera playing `clip` (looped); null: no camera at all. */
export async function launchKioskBrowser(
  clip: string | null,
  options: {
    askForPermission?: boolean;
    /**
     * The caller closes the browser on SIGINT, SIGTERM and SIGHUP itself (then removes its temp files):
     * Playwright's own handlers would exit the process first (SIGINT: 130) and skip that.
     */
    callerHandlesSignals?: boolean;
  } = {},
): Promise<Browser> {
  await requireTool('chromium');
  // Without the fake UI flag Chromium asks the page's context for permission (tests deny it there).
  const fakeUi = options.askForPermission === true ? [] : ['--use-fake-ui-for-media-stream'];
  const camera =
    clip === null
      ? []
      : [
          '--use-fake-device-for-media-stream',
          ...fakeUi,
          `--use-file-for-fake-video-capture=${clip}`,
        ];
  const signals =
    options.callerHandlesSignals === true
      ? { handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false }
      : {};
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [...chromiumArgs, ...camera],
    ...signals,
  });
}

export interface KioskMark {
  name: string;
  at: number;
  detail?: Record<string, number | string>;
}

export async function openKiosk(
  browser: Browser,
  url: string,
  log: string[] = [],
  options: {
    grantCamera?: boolean;
    screens?: string[];
    /** Before the kiosk's page loads (e.g. installScriptedCamera). */
    beforeOpen?: (context: BrowserContext) => Promise<void>;
  } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (options.grantCamera !== false) await context.grantPermissions(['camera'], { origin: url });
  await options.beforeOpen?.(context);
  const page = await context.newPage();
  page.on('console', (message) => log.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));
  await page.goto(url);
  // The shop and clinic start idle; an enrolment station at sign-in or at the step it was left at.
  await waitForScreen(page, options.screens ?? ['idle'], 120_000);
  return page;
}

export async function screenOf(page: Page): Promise<string> {
  return page.evaluate(() => document.body.dataset['screen'] ?? 'starting');
}

export async function waitForScreen(
  page: Page,
  screens: string[],
  timeoutMs: number,
): Promise<string> {
  const handle = await page.waitForFunction(
    (wanted) => {
      const screen = document.body.dataset['screen'];
      return screen !== undefined && wanted.includes(screen) ? screen : false;
    },
    screens,
    { timeout: timeoutMs, polling: 25 },
  );
  return (await handle.jsonValue()) as string;
}

export async function marks(page: Page): Promise<KioskMark[]> {
  return page.evaluate(() => window.facepayMarks ?? []);
}

export async function clearMarks(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.facepayMarks = [];
  });
}

/** The till's side: `POST /kiosk/v1/payment-requests`. */
export async function requestPayment(
  kioskUrl: string,
  tillToken: string,
  body: { amount: number; reference: string; category?: string },
): Promise<{
  status: number;
  body: { payment?: { id: string; state: string; holdId: string | null } };
}> {
  const response = await fetch(`${kioskUrl}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tillToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as never };
}

export async function typeDigits(page: Page, digits: string): Promise<void> {
  for (const digit of digits)
    await page.locator(`.keypad-keys button[aria-label="${digit}"]`).click();
  await page.locator('[data-testid="keypad-submit"]').click();
}

export interface StageTimes {
  totalMs: number;
  camera: number;
  engine: number;
  hub: number;
  ui: number;
  /**
   * Of ui, the shopper's taps: from the kiosk asking for the confirm screen to the OK reaching it, and from
   * its asking for the PIN screen to the PIN. A person's seconds, which a scripted shopper plays at once.
   */
  taps: number;
}

/** Face first seen → paid, split by where the time went (see bench:e2e's header). */
export function stageTimes(timeline: readonly KioskMark[]): StageTimes | null {
  const last = (name: string) => [...timeline].reverse().find((m) => m.name === name);
  const first = timeline.find((m) => m.name === 'face_first_seen');
  const decided = last('face_decided');
  const paid = last('paid');
  if (first === undefined || decided === undefined || paid === undefined) return null;
  const num = (m: KioskMark | undefined, key: string) => Number(m?.detail?.[key] ?? 0);
  const camera = num(decided, 'grabMs') - num(first, 'grabMs');
  const engine = decided.at - first.at - camera;
  const span = (from: string, to: string) => {
    const a = last(from);
    const b = last(to);
    return a !== undefined && b !== undefined && b.at >= a.at ? b.at - a.at : 0;
  };
  const pinOrConfirm = last('pin_submitted') === undefined ? 'confirm_clicked' : 'pin_submitted';
  const hub = span('identify_sent', 'identify_done') + span(pinOrConfirm, 'hub_paid_answer');
  const totalMs = paid.at - first.at;
  const taps = span('screen:confirm', 'confirm_clicked') + span('screen:pin', 'pin_submitted');
  return { totalMs, camera, engine, hub, ui: totalMs - camera - engine - hub, taps };
}

export interface FollowedPayment {
  /** checked_in: a clinic check-in reached the waiting screen. */
  outcome: 'paid' | 'checked_in' | 'error' | 'camera' | 'timeout';
  screens: string[];
  errorCode: string | null;
  holdId: string | null;
  /** The waiting screen's queue number (clinic mode). */
  queueNumber?: number;
  screenshots: string[];
}

/**
 * Plays the shopper (or patient) from the face screen on: taps OK on the confirmation, types `pin` when
 * asked, and stops at the receipt (the clinic's waiting screen), an error or a camera problem; a screenshot of each screen when `screenshotDir` is set.
 */
export async function followPayment(
  page: Page,
  options: {
    pin: string;
    timeoutMs: number;
    screenshotDir?: string;
    label?: string;
    /** Also a screenshot of each screen in the other language. */
    otherLanguageToo?: boolean;
  },
): Promise<FollowedPayment> {
  const deadline = Date.now() + options.timeoutMs;
  const screens: string[] = [];
  const screenshots: string[] = [];
  let current = '';
  const shoot = async (screen: string) => {
    if (options.screenshotDir === undefined) return;
    const file = `${options.screenshotDir}/${options.label ?? 'pay'}-${String(screens.length).padStart(2, '0')}-${screen}.png`;
    await page.screenshot({ path: file });
    screenshots.push(file);
    if (options.otherLanguageToo !== true) return;
    // The same screen in the other language, then back: every screen is seen in both.
    const toggle = page.locator('[data-testid="language-switch"]');
    await toggle.click();
    const other = file.replace(/\.png$/, '.other-language.png');
    await page.screenshot({ path: other });
    screenshots.push(other);
    await toggle.click();
  };
  while (Date.now() < deadline) {
    const wanted = [
      'face',
      'working',
      'confirm',
      'pin',
      'receipt',
      'waiting',
      'error',
      'camera',
      'member',
    ].filter((screen) => screen !== current);
    let screen: string;
    try {
      screen = await waitForScreen(page, wanted, Math.max(1, deadline - Date.now()));
    } catch {
      break;
    }
    current = screen;
    screens.push(screen);
    if (screen === 'confirm') {
      await shoot(screen);
      await page.locator('[data-testid="confirm-ok"]').click();
    } else if (screen === 'pin') {
      await shoot(screen);
      await typeDigits(page, options.pin);
    } else if (screen === 'receipt') {
      await shoot(screen);
      const holdId = await page.locator('[data-testid="hold-id"]').textContent();
      return { outcome: 'paid', screens, errorCode: null, holdId, screenshots };
    } else if (screen === 'waiting') {
      await shoot(screen);
      const queueNumber = Number(await page.locator('[data-testid="queue-number"]').textContent());
      return {
        outcome: 'checked_in',
        screens,
        errorCode: null,
        holdId: null,
        queueNumber,
        screenshots,
      };
    } else if (screen === 'error' || screen === 'camera') {
      await shoot(screen);
      const code = await page.evaluate(
        () =>
          document.querySelector('[data-code]')?.getAttribute('data-code') ??
          document.querySelector('[data-problem]')?.getAttribute('data-problem') ??
          null,
      );
      return {
        outcome: screen === 'error' ? 'error' : 'camera',
        screens,
        errorCode: code,
        holdId: null,
        screenshots,
      };
    } else if (screen === 'face') {
      // Let the preview show a frame before the picture is taken.
      await page.waitForTimeout(300);
      await shoot(screen);
    }
  }
  return { outcome: 'timeout', screens, errorCode: null, holdId: null, screenshots };
}
