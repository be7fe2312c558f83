// The enrolment station's desk screen end to end, in Debian's Chromium: an enrolment whose POST /v1/persons
// answer was lost, left unresolved past the hub's answer retention (the hub no longer answers for it), is
// listed on the document screen with its account and document hash, for the hub's admin to erase, when the
// hub cannot look the person up by the document (an older hub; a current one lets the station erase them);
// the desk, asked to erase that person, says in the officer's language that only the hub's admin can.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { openHubLink } from '../../src/main/kiosk-runtime.ts';
import { loadPhotoVsLiveGate } from '../../src/main/photo-vs-live-gate.ts';
import { StationLog } from '../../src/main/station-log.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { enrolmentConsentVersion } from '../../src/shared/kiosk-api.ts';
import { stationAbandonedAnswerTrustedMs } from '../../src/shared/limits.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { isPersonLookup, isPostTo, sameFaceAs } from '../main/kiosk-test-hub.ts';
import { startHoldingProxy, type HoldingProxy } from '../main/holding-proxy.ts';
import { noLookupAnswer } from '../main/station-faults.ts';
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { expectInView } from './kiosk/screen-fits.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'enrolment-e2e');
const modelId = 'faceapi-recognition-128-b413e420d684';
let fixture: EnrolmentFixture;
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  fixture = await startEnrolmentFixture(['e2e-lost']);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await proxy?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

/** Every POST /v1/persons is carried out by the hub and its answer lost; a hub without the lookup. */
const losingCreates: typeof fetch = async (input, init) => {
  if (isPersonLookup(input, init)) return noLookupAnswer();
  const response = await fetch(input, init);
  if (isPostTo('/v1/persons', input, init)) throw new TypeError('socket hang up');
  return response;
};

let proxy: HoldingProxy | null = null;

/** The document of the enrolment whose answer was lost. */
const lostDocument = {
  type: 'drivers_licence' as const,
  number: '482910375561',
  name: 'Hiro Lost',
  dateOfBirth: '1979-05-06',
  expiry: '2035-01-01',
};

/**
 * The station's service behind that network: an enrolment finished with its answer lost, the officer
 * gone, and the runtime's tick only after stationAbandonedAnswerTrustedMs (the station was off, or the hub
 * unreachable, that long): the request is left for the hub's admin.
 */
async function leaveEnrolmentForAdmin(accountId: string): Promise<void> {
  const clock = { ms: Date.now() };
  const opened = await openHubLink(fixture.station.config, { fetch: losingCreates });
  try {
    const service = new KioskService({
      config: fixture.station.config,
      hub: opened.link,
      modelId,
      now: () => clock.ms,
      station: {
        log: new StationLog(fixture.station.config.enrolment?.logFile ?? ''),
        photoVsLive: await loadPhotoVsLiveGate(),
      },
    });
    const { handlers } = service;
    const { officer } = fixture;
    await handlers.officerSignIn({ officerId: officer.id, pin: officer.pin });
    await handlers.enrolmentDocument({ accountId, document: lostDocument });
    const face = syntheticFace();
    await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(face) });
    await handlers.enrolmentLiveFace({
      modelId,
      descriptors: [sameFaceAs(face), sameFaceAs(face)].map((d) => Array.from(d)),
      liveness: { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] },
    });
    const pin = '5829';
    const consent = {
      version: enrolmentConsentVersion,
      language: 'ja' as const,
      accepted: true as const,
    };
    expect(await handlers.enrolmentFinish({ pin, pinAgain: pin, consent })).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    await handlers.officerSignOut({});
    clock.ms += stationAbandonedAnswerTrustedMs;
    await service.lockIdleStation();
    const shown = await handlers.station({});
    expect(shown.ok && shown.station.personsToErase).toHaveLength(1);
  } finally {
    opened.link.dispose();
    disposeKioskIdentity(opened.identity);
  }
}

describe("the desk's document screen", () => {
  it("names the account and document hash of an enrolment only the hub's admin can still erase", async () => {
    await leaveEnrolmentForAdmin('e2e-lost');
    // The station started again (the web shell) reads what was left in pending-persons.json.
    // The hub as the restarted station reaches it: GET /v1/persons answered 404 (a hub without the
    // lookup), so the listed request stays on the desk's list.
    proxy = await startHoldingProxy(fixture.station.config.hubUrl, {
      answerHere: (method, url) => (isPersonLookup(url, { method }) ? noLookupAnswer() : undefined),
    });
    shell = await startWebShell({
      config: { ...fixture.station.config, hubUrl: proxy.url },
      port: 0,
      rendererDir: fixture.rendererDir,
    });
    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-signin'] });
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    await typeDigits(page, fixture.officer.pin);
    await waitForScreen(page, ['station-document'], 30_000);
    const listed = page.locator('[data-testid="persons-to-erase"]');
    const text = (await listed.textContent()) ?? '';
    expect(text).toContain('e2e-lost');
    expect(text).toContain('運転免許証');
    expect(text).not.toContain('Hiro Lost');
    await page.screenshot({ path: path.join(artifacts, 'ja-station-persons-to-erase.png') });
    // The notice leaves the form's button on the 1280x800 screen, in both languages.
    const submit = page.locator('[data-testid="doc-submit"]');
    await expectInView(page, submit, 'document submit (ja)');
    const toggle = page.locator('[data-testid="language-switch"]');
    await toggle.click();
    await expectInView(page, submit, 'document submit (en)');
    // The day before the month's name, as the operator screen writes it: never 12/4/2026 (which day?).
    expect(await listed.textContent()).toMatch(/sent \d{1,2} [A-Z][a-z]{2} \d{4}/);
    await page.screenshot({ path: path.join(artifacts, 'en-station-persons-to-erase.png') });
    await toggle.click();

    // The desk, asked to erase that person by the document: only the hub's admin can, and the refusal says
    // so in the officer's language, not with the service's English sentence.
    await page.locator('[data-testid="desk-erase"]').click();
    await page.locator('[data-testid="doc-type"]').selectOption(lostDocument.type);
    await page.locator('[data-testid="doc-number"]').fill(lostDocument.number);
    await page.locator('[data-testid="doc-name"]').fill(lostDocument.name);
    await page.locator('[data-testid="doc-birth"]').fill(lostDocument.dateOfBirth);
    await page.locator('[data-testid="doc-expiry"]').fill(lostDocument.expiry);
    // Refused before the erasure's confirmation: there is nobody this station can name.
    await page.locator('[data-testid="doc-submit"]').click();
    await waitForScreen(page, ['station-refused'], 30_000);
    const refusal = page.locator('.station-refusal');
    expect(await refusal.getAttribute('data-code')).toBe('listed_for_admin');
    expect(await refusal.textContent()).toContain('書類ハッシュでその方を探して削除');
    expect(await refusal.textContent()).not.toContain("hub's admin");
    // The document was typed right: nothing to correct, only back to the desk.
    expect(await page.locator('[data-testid="correct-document"]').count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'ja-station-desk-listed-for-admin.png') });
    await page.locator('[data-testid="language-switch"]').click();
    expect(await refusal.textContent()).toContain('find that person by the document hash');
    await page.screenshot({ path: path.join(artifacts, 'en-station-desk-listed-for-admin.png') });
  });
});
