// One e2e file's clinic reception whose hub answers through a proxy the test steers: the hub, the kiosk's web
// shell and each test's Chromium, started and stopped by the file's hooks, and the patient's way to the PIN.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  waitForScreen,
} from '../../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../../src/main/web-shell.ts';
import { syntheticFace } from '../../hub/helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../../hub/process.ts';
import type { TestClock } from '../../main/kiosk-test-hub.ts';
import type { ClinicBehindProxy } from './clinic-behind-proxy.ts';
import { clinicWithPatientBehindProxy, receptionBehindProxy } from './clinic-behind-proxy.ts';
import type { AnswerHere } from './kiosk-behind-proxy.ts';

export interface ClinicReceptionBehindProxy {
  /** The machine's: the web shell's kiosk signs by it. */
  readonly clock: TestClock;
  /** The page's console and errors, for a failure's message. */
  readonly pageLog: string[];
  clinic(): ClinicBehindProxy;
  shell(): WebShell;
  /** The kiosk's page in a new Chromium whose camera sees a stranger (or none: `camera` false). */
  openReception(camera?: boolean): Promise<Page>;
  /** openReception, then the patient taps check in and chooses the member number: the member screen. */
  atMemberNumber(): Promise<Page>;
}

/**
 * Registers the file's hooks: clinicWithPatientBehindProxy (screenshots in `artifacts`, temp folders named
 * `prefix`, the proxy asking `answerHere` first) and its reception's web shell before the tests; each
 * test's Chromium closed after it; everything stopped after the last, with no process left.
 */
export function useClinicReceptionBehindProxy(options: {
  artifacts: string;
  prefix: string;
  answerHere: AnswerHere;
}): ClinicReceptionBehindProxy {
  const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  const pageLog: string[] = [];
  const browsers: Browser[] = [];
  let clinic: ClinicBehindProxy | undefined;
  let shell: WebShell | undefined;
  let clip = '';

  beforeAll(async () => {
    clinic = await clinicWithPatientBehindProxy({ ...options, clock, face: syntheticFace() });
    // Someone the clinic does not know: the face step never checks them in, they use the member number.
    ({ shell, clip } = await receptionBehindProxy(clinic));
  }, 300_000);

  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
  });

  afterAll(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
    await shell?.close();
    await clinic?.close();
    await assertNoProcessLeft();
  });

  const started = () => {
    if (clinic === undefined || shell === undefined) throw new Error('not started (beforeAll)');
    return { clinic, shell };
  };
  const openReception = async (camera = true) => {
    const browser = await launchKioskBrowser(camera ? clip : null);
    browsers.push(browser);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    return openKiosk(browser, started().shell.url, pageLog);
  };
  return {
    clock,
    pageLog,
    clinic: () => started().clinic,
    shell: () => started().shell,
    openReception,
    async atMemberNumber() {
      const page = await openReception();
      await page.locator('[data-testid="check-in"]').click();
      await waitForScreen(page, ['face'], 30_000);
      await page.getByRole('button', { name: '会員番号と暗証番号で受付' }).click();
      await waitForScreen(page, ['member'], 10_000);
      return page;
    },
  };
}
