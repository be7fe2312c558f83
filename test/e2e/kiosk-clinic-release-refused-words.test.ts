// The clinic reception's operator screen end to end, in Debian's Chromium against a real hub behind a proxy
// that refuses the kiosk's release of a lost check-in's hold as a hub does after the reception's role changed:
// staff read the clinic's words (the hold to release, not money to refund) in Japanese and English, by the hub's
// code, the hub's English message apart; once the hub takes the release, the cap is released and off the list.
// Screenshots: test-artifacts/kiosk-e2e-clinic-release-refused.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { cap, checkInAs, reception, receptionIdentity } from '../main/clinic-fixture.ts';
import type { HoldingProxy } from '../main/holding-proxy.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { networkLosingFirstAnswer } from '../main/kiosk-test-hub.ts';
import { disposeKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { buildRenderer } from '../../scripts/kiosk/build-renderer.ts';
import type { ClinicBehindProxy } from './kiosk/clinic-behind-proxy.ts';
import { clinicWithPatientBehindProxy } from './kiosk/clinic-behind-proxy.ts';
import { words } from './kiosk/locale-words.ts';
import { expectOperatorScreenFits } from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-clinic-release-refused');
/** The hub's words for a call the client's role does not allow (the hub's role check). */
const hubMessage = 'this call needs role merchant';
/** The machine's: the web shell's kiosk runs in this process and signs by it. */
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const face = syntheticFace();

let clinic: ClinicBehindProxy | undefined;
let test: KioskTestHub;
let proxy: HoldingProxy;
/** While set, the proxy answers the kiosk's releases as the hub does once the reception's role changed. */
let refusing = true;
let rendererDir = '';
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  clinic = await clinicWithPatientBehindProxy({
    artifacts,
    prefix: 'facepay-clinic-release-refused-e2e-',
    clock,
    face,
    answerHere: (method, url) => {
      const isRelease = /^\/v1\/holds\/[^/]+\/release$/.test(new URL(url).pathname);
      if (!refusing || method !== 'POST' || !isRelease) return undefined;
      return Response.json({ error: { code: 'forbidden', message: hubMessage } }, { status: 403 });
    },
  });
  ({ test, proxy } = clinic);
  rendererDir = await buildRenderer(path.join(test.work, 'renderer'));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await clinic?.close();
  await assertNoProcessLeft();
});

const held = async () => (await test.admin.getAccount('patient')).held;

/**
 * An earlier run of the reception: the patient checked in, the answer was lost (they were told it failed)
 * while the hub held the cap; the wait before the kiosk asks about it is over since.
 */
async function lostCheckIn(): Promise<void> {
  const pendingHoldsFile = path.join(test.shop.config.keysDir, 'pending-holds.json');
  const identity = await receptionIdentity(test);
  const network = networkLosingFirstAnswer('/v1/holds');
  const earlier = reception({ test, identity, clock, network, pendingHoldsFile });
  try {
    const { answer } = await checkInAs(earlier.service, face);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  } finally {
    earlier.link.dispose();
    disposeKioskIdentity(identity);
  }
  expect(await held()).toBe(cap);
  const pending = JSON.parse(await readFile(pendingHoldsFile, 'utf8')) as object[];
  await writeFile(pendingHoldsFile, JSON.stringify(pending.map((e) => ({ ...e, waitLeftMs: 0 }))));
}

/** The refused check-in's parts as the operator screen shows them now. */
async function refusalOnScreen(page: Page) {
  const refused = page.locator('[data-testid="payment-refused"]');
  await refused.waitFor();
  const text = async (testId: string) =>
    (await refused.locator(`[data-testid="${testId}"]`).textContent()) ?? '';
  return {
    code: await refused.getAttribute('data-code'),
    reason: await text('payment-refused-reason'),
    hubWords: await text('payment-refused-hub-words'),
    all: (await refused.textContent()) ?? '',
    title: (await page.locator('#to-check-title').textContent()) ?? '',
  };
}

describe("a clinic reception's operator screen, the hub refusing a lost check-in's release", () => {
  it("says in the clinic's words why and what to do (release the hold), the hub's English apart; released once the hub takes it", async () => {
    await lostCheckIn();
    const config = { ...test.shop.config, hubUrl: proxy.url };
    shell = await startWebShell({ config, port: 0, rendererDir });
    const service = shell.runtime.service;
    // Refused at the first round and again at the next: then staff see it.
    await until(() => service.status().paymentsToCheck.length === 1, 30_000);
    expect(service.status().paymentsToCheck[0]).toMatchObject({
      amount: cap,
      hubRefusal: { status: 403, code: 'forbidden', hubMessage },
    });

    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    await page.getByRole('button', { name: words('ja', 'operator.open_clinic') }).click();
    await waitForScreen(page, ['operator'], 5_000);
    // The clinic's staff menu, as its corner button says; not the shop clerk's.
    expect(await page.locator('#operator-title').textContent()).toBe(
      words('ja', 'operator.title_clinic'),
    );
    await typeDigits(page, config.operatorPin);

    const ja = await refusalOnScreen(page);
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-release-refused.png') });
    await expectOperatorScreenFits(page);
    await page.locator('[data-testid="language-switch"]').click();
    const en = await refusalOnScreen(page);
    await page.screenshot({ path: path.join(artifacts, 'en-operator-release-refused.png') });
    await expectOperatorScreenFits(page);
    const seen = { ja, en };
    for (const language of ['ja', 'en'] as const) {
      const { code, reason, hubWords, all, title } = seen[language];
      // The list is of check-ins, not payments.
      expect(title).toBe(words(language, 'operator.toCheckTitle_clinic'));
      const undo = words(language, 'operator.toCheckUndo_clinic');
      expect(code).toBe('forbidden');
      // The clinic's headline (a hold to release), not the shop's (money to give back).
      expect(all).toContain(words(language, 'operator.toCheckRefused_clinic'));
      expect(all).not.toContain(words(language, 'operator.toCheckRefused'));
      expect(reason).toBe(words(language, 'operator.toCheckRefusedReason.forbidden', { undo }));
      expect(reason).not.toContain(words(language, 'operator.toCheckUndo'));
      expect(hubWords).toBe(
        `${words(language, 'operator.toCheckHubWords', { answer: '403 forbidden' })} ${hubMessage}`,
      );
    }
    // The staff's Japanese sentences carry none of the hub's English; its message is the labelled line's alone.
    expect(ja.all.replace(ja.hubWords, '')).not.toContain(hubMessage);
    // The kiosk keeps asking: no Checked button for a refusal a retry can undo.
    const item = page.locator('[data-testid="payment-to-check"]');
    expect(await item.getByRole('button').count()).toBe(0);
    expect(await held()).toBe(cap);

    // The hub takes the release at a next round: the cap released, and off the list.
    refusing = false;
    await until(async () => (await held()) === 0, 30_000);
    await until(() => service.status().paymentsToCheck.length === 0, 10_000);
    expect(pageLog.filter((line) => line.startsWith('pageerror'))).toEqual([]);
  }, 180_000);
});
