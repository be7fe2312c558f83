// The enrolment station's PIN and guardian steps on both kiosk displays (1280x800 and the smaller 1024x600),
// in Debian's Chromium against a real hub, in Japanese and English: the station's name whole, its step pills
// on one line, the title, the keypad's rows, OK and Cancel in view without scrolling, with the warning too,
// and with the hub's refusal (the top bar's badge and the step's notice).
// Screenshots: test-artifacts/station-e2e-steps-fit.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { openKiosk, typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import type { StationHub } from '../main/station-fixture.ts';
import { faces, licence, signIn, upToGuardianConsent } from '../main/station-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import {
  everywhere,
  expectScreenFitsEverywhere,
  keypadParts,
  screenshotsEverywhere,
} from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';
import { startStationInChromium, type StationInChromium } from './kiosk/station-in-chromium.ts';
import { stationButton, stationFrame } from './kiosk/station-screen-parts.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'station-e2e-steps-fit');

let rig: StationInChromium | null = null;
let fx: StationHub;
let deployment: EnrolmentStationDeployment;
let shell: WebShell | null = null;
let browser: Browser | null = null;
let page: Page;
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  rig = await startStationInChromium({
    prefix: 'facepay-station-steps-fit-e2e-',
    name: 'Chuo Ward Office',
    accounts: ['e2e-fit-adult', 'e2e-fit-guardian', 'e2e-fit-child', 'e2e-fit-refused'],
  });
  ({ fx, deployment, shell, browser } = rig);
}, 300_000);

afterAll(async () => {
  await rig?.close();
  await assertNoProcessLeft();
});

/**
 * On each display in each language: the top bar's station name not cut short (no ellipsis), each step pill
 * one line and all in one row, the keys (if any) at least 56 px high. Returns what was not so.
 */
async function barAndKeysWhole(): Promise<string[]> {
  const faults: string[] = [];
  await everywhere(page, async (where) => {
    const found = await page.evaluate(() => {
      const name = document.querySelector('.shop-name');
      const pills = [...document.querySelectorAll('.station-steps li')];
      const lines = pills.map((pill) => {
        const range = document.createRange();
        range.selectNodeContents(pill);
        return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      });
      const tops = new Set(pills.map((pill) => Math.round(pill.getBoundingClientRect().top)));
      const keys = [...document.querySelectorAll('.keypad-keys .key')].map(
        (key) => key.getBoundingClientRect().height,
      );
      return {
        // Cut at the side (one line, an ellipsis) or below (the lines past those shown).
        nameCut:
          name === null
            ? 0
            : Math.max(name.scrollWidth - name.clientWidth, name.scrollHeight - name.clientHeight),
        wrappedPills: lines.filter((count) => count > 1).length,
        rows: tops.size,
        lowestKey: keys.length === 0 ? null : Math.min(...keys),
      };
    });
    if (found.nameCut > 0) faults.push(`station name cut by ${found.nameCut} px at ${where}`);
    if (found.wrappedPills > 0) faults.push(`${found.wrappedPills} step pills wrap at ${where}`);
    if (found.rows > 1) faults.push(`step pills in ${found.rows} rows at ${where}`);
    if (found.lowestKey !== null && found.lowestKey < 56)
      faults.push(`a key ${found.lowestKey} px high at ${where}`);
  });
  return faults;
}

/** The step whole on both displays in both languages: its parts in view, its bar and keys whole. */
async function expectStepFits(name: string, parts: Record<string, Locator>): Promise<void> {
  await screenshotsEverywhere(page, artifacts, name);
  await expectScreenFitsEverywhere(page, { ...stationFrame(page), ...parts });
  expect(await barAndKeysWhole()).toEqual([]);
}

describe("the station's PIN and guardian steps fit both kiosk displays", () => {
  it("the person's PIN, again, and with the PINs-differ warning", async () => {
    if (shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    await signIn(service);
    const document = licence('Ren Fitting');
    const started = await service.handlers.enrolmentDocument({
      accountId: 'e2e-fit-adult',
      document,
    });
    expect(started).toMatchObject({ ok: true });
    await faces(service.handlers, syntheticFace());
    page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-pin'] });
    const step = {
      hint: page.locator('.station-note'),
      ...keypadParts(page),
      cancel: stationButton(page, 'enrol.cancel'),
    };
    await expectStepFits('pin', step);

    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await expectStepFits('pin-again', step);

    await typeDigits(page, '5830');
    await waitForScreen(page, ['station-pin'], 10_000);
    const warning = page.locator('[data-testid="pin-warning"]');
    expect(await warning.textContent()).toBe(words('ja', 'enrol.pin.pins_differ'));
    await expectStepFits('pin-differ', { warning, ...step });
    await stationButton(page, 'enrol.cancel').click();
    await waitForScreen(page, ['station-document'], 10_000);
  }, 300_000);

  it("the guardian's terms for a child, and the guardian's PIN beside the terms they agree to", async () => {
    if (shell === null) throw new Error('no rig');
    await upToGuardianConsent(
      shell.runtime.service.handlers,
      { accountId: 'e2e-fit-guardian', name: 'Aoi Guardian' },
      { accountId: 'e2e-fit-child', name: 'Mei Child', born: '2016-05-05' },
    );
    await page.reload();
    await waitForScreen(page, ['station-guardian-terms'], 30_000);
    const choices = page.locator('.category-choice');
    await expectStepFits('guardian-terms', {
      note: page.locator('.station-note'),
      'per payment': page.locator('[data-testid="guardian-per-payment"]'),
      daily: page.locator('[data-testid="guardian-daily"]'),
      'first category': choices.first(),
      'last category': choices.last(),
      next: page.locator('[data-testid="guardian-terms-submit"]'),
      cancel: stationButton(page, 'enrol.cancel'),
    });

    await page.locator('[data-testid="guardian-terms-submit"]').click();
    await waitForScreen(page, ['station-guardian-pin'], 120_000);
    await expectStepFits('guardian-pin', {
      terms: page.locator('[data-testid="guardian-terms"]'),
      ...keypadParts(page),
      cancel: stationButton(page, 'enrol.cancel'),
    });
    await stationButton(page, 'enrol.cancel').click();
    await waitForScreen(page, ['station-document'], 10_000);
  }, 300_000);

  it("the PIN step with the top bar's refusal badge and the step's refusal notice (the longest bar)", async () => {
    if (shell === null) throw new Error('no rig');
    const service = shell.runtime.service;
    const document = licence('Sora Refused');
    const started = await service.handlers.enrolmentDocument({
      accountId: 'e2e-fit-refused',
      document,
    });
    expect(started).toMatchObject({ ok: true });
    await faces(service.handlers, syntheticFace());
    await page.reload();
    await waitForScreen(page, ['station-pin'], 30_000);
    // The hub's administrator rotates the station's token: its next rounds learn that the hub refuses it.
    await fx.admin.rotateClientToken(deployment.clientId);
    const alert = page.locator('[data-testid="station-refused-during-enrolment"]');
    await alert.waitFor({ timeout: 120_000 });
    expect(await page.locator('.hub-offline').textContent()).toBe(words('ja', 'enrol.hubRefused'));
    await expectStepFits('pin-refused', {
      badge: page.locator('.hub-offline'),
      alert,
      ...keypadParts(page),
      cancel: stationButton(page, 'enrol.cancel'),
    });
  }, 300_000);
});
