// The clinic reception kiosk end to end: Debian's Chromium runs the built renderer from the web shell in
// clinic mode, its camera fed by recorded video; a real hub on a real port holds the money. A patient
// checks in by face (+ PIN), a second check-in is refused with their number, the clinic system's
// consultation.completed (npm run clinic:sample) settles the fee and the board shows it, and a no-show's
// hold releases at the deadline. Screenshots of every clinic screen, both languages, go to
// test-artifacts/clinic-e2e. Hub, kiosks, enrolment and clinic:sample share one clock that stays in one
// local day for the whole run (clinic-day-clock.ts): a run across local midnight saw its board cleared.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  followPayment,
  launchKioskBrowser,
  openKiosk,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { faceRefusalCodes } from '../../src/renderer/face/face-refusal.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { clinicDayClock } from '../main/clinic-day-clock.ts';
import { runScriptOnClock } from '../main/kiosk-process.ts';
import type { ClinicFixture } from './kiosk/clinic-fixture.ts';
import { startClinicFixture } from './kiosk/clinic-fixture.ts';
import { expectScreenFitsEverywhere } from './kiosk/screen-fits.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'clinic-e2e');
const cap = 5_000;
/** The file's time limits added up (beforeAll and two tests, 300 s each): its clinic day lasts that long. */
const fileSpanMs = 3 * 300_000;
let fixture: ClinicFixture;
let browser: Browser | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  fixture = await startClinicFixture({ cap, clock: clinicDayClock(fileSpanMs) });
}, 300_000);

afterEach(async () => {
  await browser?.close();
  browser = null;
});

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

/** A fresh Chromium (the clip starts again, a blink soon) on the reception kiosk at `url`. */
async function reception(url: string): Promise<Page> {
  await browser?.close();
  browser = await launchKioskBrowser(fixture.liveClip);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  return openKiosk(browser, url, pageLog);
}

/** The screen as it is, then in English, then back to Japanese. */
async function shootBoth(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `ja-${name}.png`) });
  const toggle = page.locator('[data-testid="language-switch"]');
  await toggle.click();
  await page.screenshot({ path: path.join(artifacts, `en-${name}.png`) });
  await toggle.click();
}

/** Refusals of the face reading itself: the patient taps "try again", as people do. */
const faceNotRead: readonly string[] = ['no_match', ...faceRefusalCodes];

/**
 * The patient taps "check in" and goes through face, confirmation and PIN; when the face was not read
 * (on a loaded machine the face is often not matched: see the report of issue 10), again with a fresh
 * camera, at most `attemptsMax` times.
 */
const attemptsMax = 3;
async function checkIn(url: string, label: string) {
  let page = await reception(url);
  for (let attempt = 1; ; attempt += 1) {
    await page.locator('[data-testid="check-in"]').click();
    const followed = await followPayment(page, {
      pin: fixture.enrolled.pin,
      timeoutMs: 90_000,
      screenshotDir: artifacts,
      label: attempt === 1 ? label : `${label}-retry${attempt}`,
      otherLanguageToo: true,
    });
    if (attempt === attemptsMax || !faceNotRead.includes(followed.errorCode ?? '')) {
      return { page, followed };
    }
    pageLog.push(`face not read (${followed.errorCode}); the patient tries again`);
    await page.getByRole('button', { name: '受付をやめる' }).click();
    await waitForScreen(page, ['idle'], 10_000);
    page = await reception(url);
  }
}

async function patient() {
  const { balance, held } = await fixture.admin.getAccount('e2e-patient');
  return { balance, held };
}

/**
 * The clinic's IT person's sample, run as they would: `npm run clinic:sample -- --hub URL --token T ...`,
 * on the hub's clock (its list is of today's visits).
 */
async function clinicSample(args: string[]): Promise<{ code: number | null; out: string }> {
  return runScriptOnClock(
    'scripts/clinic-sample.ts',
    ['--hub', fixture.hub.url, '--token', fixture.clinicSystemToken, ...args],
    fixture.clock,
  );
}

async function visitLine(page: Page, queueNumber: number, state: string) {
  const line = page.locator(`[data-testid="visit-${queueNumber}"][data-state="${state}"]`);
  await line.waitFor({ timeout: 30_000 });
  return line;
}

describe('clinic reception kiosk in Chromium', () => {
  it("checks a patient in by face; a second check-in is refused; the clinic's event settles the fee and board and balance agree", async () => {
    const shell = await fixture.startReception(3_600);
    const idle = await reception(shell.url);
    await shootBoth(idle, 'clinic-00-idle-empty');
    const before = await patient();

    const { page: checkedIn, followed: first } = await checkIn(shell.url, 'clinic-first');
    expect(first, pageLog.slice(-20).join('\n')).toMatchObject({
      outcome: 'checked_in',
      queueNumber: 1,
    });
    expect(first.screens).toEqual(expect.arrayContaining(['face', 'confirm', 'waiting']));
    const open = await fixture.admin.listHolds({ payer: 'e2e-patient', status: 'active' });
    expect(open.items).toHaveLength(1);
    expect(open.items[0]).toMatchObject({ template: 'clinic_visit', amount: cap, settled: 0 });
    expect(await patient()).toEqual({ balance: before.balance, held: before.held + cap });
    // The time the hold lapses is its own line (not the end of the seating paragraph), in view with
    // the Done button on each display and language.
    await expectScreenFitsEverywhere(checkedIn, {
      releaseNote: checkedIn.locator('.screen-waiting .clinic-deadline'),
      done: checkedIn.locator('.screen-waiting .button-primary'),
    });
    await checkedIn.getByRole('button', { name: '完了' }).click();
    await waitForScreen(checkedIn, ['idle'], 10_000);
    await visitLine(checkedIn, 1, 'waiting');
    await shootBoth(checkedIn, 'clinic-01-board-waiting');

    // The same patient again while the visit is open: refused with their number, nothing more held.
    const { page, followed: again } = await checkIn(shell.url, 'clinic-again');
    expect(again).toMatchObject({ outcome: 'error', errorCode: 'already_checked_in' });
    expect(await page.locator('.error-body').textContent()).toContain('1番');
    expect(await patient()).toEqual({ balance: before.balance, held: before.held + cap });
    await page.getByRole('button', { name: '閉じる' }).click();
    await waitForScreen(page, ['idle'], 10_000);

    const listed = await clinicSample([]);
    expect(listed.out).toContain('No. 1  ¥5,000 held');
    const completed = await clinicSample(['--complete', '1', '--amount', '3210']);
    expect(completed.out.trim()).toBe('No. 1: paid ¥3,210, released ¥1,790');
    const line = await visitLine(page, 1, 'paid');
    expect(await line.textContent()).toMatch(/1番.*お支払い 3,210円、お預かり解除 1,790円/);
    await shootBoth(page, 'clinic-02-board-paid');
    const hold = await fixture.admin.getHold(open.items[0]?.id ?? '');
    expect(hold).toMatchObject({ status: 'settled', settled: 3_210 });
    expect(await patient()).toEqual({ balance: before.balance - 3_210, held: before.held });
  }, 300_000);

  it('a no-show: the hold releases itself at the clinic deadline, the board says so, nothing is taken', async () => {
    const deadlineSeconds = 20;
    const earlier = await fixture.admin.listHolds({ payee: 'e2e-clinic' });
    const shell = await fixture.startReception(deadlineSeconds);
    // A restarted reception kiosk shows today's visits and numbers on from them.
    if (earlier.items.length > 0) {
      await (await reception(shell.url)).locator('[data-testid="visit-1"]').waitFor();
    }
    const before = await patient();
    const { page, followed: visit } = await checkIn(shell.url, 'clinic-noshow');
    expect(visit, pageLog.slice(-20).join('\n')).toMatchObject({
      outcome: 'checked_in',
      queueNumber: earlier.items.length + 1,
    });
    const queueNumber = earlier.items.length + 1;
    expect(await patient()).toEqual({ balance: before.balance, held: before.held + cap });
    await page.getByRole('button', { name: '完了' }).click();
    await waitForScreen(page, ['idle'], 10_000);
    const line = page.locator(`[data-testid="visit-${queueNumber}"][data-state="expired"]`);
    await line.waitFor({ timeout: (deadlineSeconds + 30) * 1000 });
    expect(await line.textContent()).toContain('未受診：お預かり解除 5,000円');
    await shootBoth(page, 'clinic-03-board-no-show');
    expect(await patient()).toEqual(before);
  }, 300_000);
});
