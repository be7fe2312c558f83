// The enrolment station's refusal screen end to end, in Debian's Chromium: an officer enrols an account and
// document whose earlier request (its answer lost) is listed for the hub's admin, while another station of
// the organisation is enrolling that person: refused as enrolled, the screen says so in its own words (wait
// and try again, or ask the admin), not that an earlier try left a person for the admin to erase.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRenderer } from '../../scripts/kiosk/build-renderer.ts';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { faultyNetwork, lostEnrolment, lostTry, pending } from '../main/station-faults.ts';
import type { StationHub } from '../main/station-fixture.ts';
import {
  closeStationHub,
  deployStation,
  licence,
  sameClientStation,
  signIn,
  signedInStationOnHubClock,
  startStationHub,
  upToPin,
} from '../main/station-fixture.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'enrolment-e2e');
const account = 'e2e-elsewhere';
/** The hub's and the stations' clock: an hour behind while the first request is sent, then on time. */
const time = { shiftMs: -3_600_000 };
const now = () => Date.now() + time.shiftMs;
let fx: StationHub;
let rendererDir = '';
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  fx = await startStationHub('facepay-station-elsewhere-e2e-', { now });
  rendererDir = await buildRenderer(path.join(fx.work, 'renderer'));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeStationHub(fx);
  await assertNoProcessLeft();
});

describe("the station's refusal screen", () => {
  it('says another station is enrolling the person, in Japanese and English, when the lookup spared them', async () => {
    const document = licence('Aoi Mori');
    const deployment = await deployStation(fx, {
      dir: path.join(fx.work, 'station'),
      name: 'Chuo Ward Office',
      accounts: [account],
    });
    // An hour ago: the enrolment's answer was lost; asked again after the hub pruned it, refused without a
    // replay and listed, its lookup unanswered; then the hub's admin erased its person.
    const first = faultyNetwork();
    const before = await signedInStationOnHubClock(fx, deployment, first.network, now);
    const lost = await lostEnrolment(fx, before, first.state, { accountId: account, document });
    await fx.hub.store.deleteStoredResponsesBefore(now() + 1_000);
    first.state.lookupDown = true;
    await before.handlers.officerSignOut({});
    await before.lockIdleStation();
    expect(await pending(deployment)).toMatchObject([{ accountId: account, body: null }]);
    await fx.admin.deletePerson(lost);

    // Now: another station of the organisation has sent this person's enrolment, not their faces yet.
    time.shiftMs = 0;
    const elsewhere = await sameClientStation(fx, deployment, 'other-station');
    const second = faultyNetwork();
    const other = await signedInStationOnHubClock(fx, elsewhere, second.network, now);
    await upToPin(other.handlers, account, document);
    await lostTry(other, second.state);

    // The station started again (the web shell), its officer's enrolment of that person up to the PIN.
    shell = await startWebShell({ config: deployment.config, port: 0, rendererDir });
    const service = shell.runtime.service;
    await signIn(service);
    await upToPin(service.handlers, account, document);
    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-pin'] });
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-consent'], 10_000);
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-refused'], 60_000);

    const refusal = page.locator('.station-refusal');
    expect(await refusal.getAttribute('data-code')).toBe('enrolled_elsewhere');
    const title = page.locator('.station-refusal .error-title');
    expect(await title.textContent()).toContain('別の窓口で登録手続き中');
    await page.screenshot({ path: path.join(artifacts, 'ja-station-enrolled-elsewhere.png') });
    await page.locator('[data-testid="language-switch"]').click();
    expect(await title.textContent()).toContain('being enrolled at another station');
    expect(await refusal.textContent()).not.toContain('must erase');
    await page.screenshot({ path: path.join(artifacts, 'en-station-enrolled-elsewhere.png') });
  });
});
