// The challenge path end to end in Debian's Chromium: a shop kiosk whose policy always asks the randomised
// challenge, drawn from the three kinds its config names, and a real hub. The shopper is the woman of
// video/live/live-05.mov, enrolled from her frontal opening, on a scripted camera that plays her own
// recorded turns and looks when the screen asks for them (scripts/kiosk/scripted-shopper.ts): she pays by
// face + PIN. The same woman doing nothing when asked, or turning the wrong way, is refused, pays nothing
// and is told which move was asked; retrying it right, she pays. Screenshots of the prompts and the
// refusals in both languages go to test-artifacts/kiosk-e2e-challenge.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { RunningHub } from '../../src/hub/hub.ts';
import { startHub } from '../../src/hub/hub.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { startWebShell } from '../../src/main/web-shell.ts';
import type { Challenge } from '../../src/shared/challenge-kinds.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import { buildRenderer } from '../../scripts/kiosk/build-renderer.ts';
import type { Shop } from '../../scripts/kiosk/deployment.ts';
import { setUpShop } from '../../scripts/kiosk/deployment.ts';
import {
  followPayment,
  launchKioskBrowser,
  marks,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import type { ScriptedShopper } from '../../scripts/kiosk/scripted-shopper.ts';
import type { ActionSegment } from '../../scripts/bench-challenge/segments.ts';
import {
  installScriptedCamera,
  loadShopperFrames,
  prepareScriptedShopper,
  promptedChallenges,
  whileAnswering,
} from '../../scripts/kiosk/scripted-shopper.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import {
  enrolSecondPerson,
  secondPersonDefaults,
  secondPersonVideo,
} from './kiosk/second-person.ts';
import { words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-challenge');
/**
 * Kinds live-05 performs in her clip from a frontal pose: turns both ways and a look down (no blink is read).
 * Her look up is left out: it starts as she comes back from her right turn, two frames from its onset,
 * so the scripted camera cuts into it from her frontal frames with a jump of 0.64-0.72 of the face
 * continuity bound: with it in the pool, 2 of 6 runs on a loaded machine failed after a look up (one read
 * face_changed).
 */
const pool: Challenge[] = ['turn_left', 'turn_right', 'look_down'];
const shopperId = 'e2e-challenged';

let work: string;
let hub: RunningHub;
let admin: HubClient;
let shop: Shop;
let shell: WebShell;
let shopper: ScriptedShopper;
let browser: Browser | null = null;
let openPaymentId: string | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-kiosk-challenge-'));
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`;
  hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
  admin = new HubClient({ baseUrl: hub.url, token: adminToken });
  shop = await setUpShop({
    hubUrl: hub.url,
    adminToken,
    dir: work,
    shop: { id: 'e2e-challenge-shop', name: 'E2E Challenge Mart' },
    shopper: { id: shopperId, name: secondPersonDefaults.displayName, deposit: 10_000 },
    livenessPolicy: 'challenge',
    challengeKinds: pool,
  });
  await enrolSecondPerson({ hubUrl: hub.url, adminToken, dir: work, accountId: shopperId });
  const tracker = await createFaceTracker({ modelsDir: path.join(repoRoot, 'models') });
  try {
    shopper = await prepareScriptedShopper(secondPersonVideo, tracker);
  } finally {
    tracker.dispose();
  }
  const rendererDir = await buildRenderer(path.join(work, 'renderer'));
  shell = await startWebShell({ config: shop.config, port: 0, rendererDir });
}, 600_000);

afterEach(async () => {
  // The till takes back a payment a failed test left open.
  if (openPaymentId !== null)
    await fetch(`${shell.url}/kiosk/v1/payment-requests/${openPaymentId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${shop.tillToken}` },
    });
  openPaymentId = null;
  await browser?.close();
  browser = null;
});

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await hub?.close();
  await rm(work, { recursive: true, force: true });
  await assertNoProcessLeft();
});

/** Chromium without its fake camera: the page's camera is the scripted one, her frames loaded. */
async function kioskWithShopper(): Promise<Page> {
  browser = await launchKioskBrowser(null);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  const page = await openKiosk(browser, shell.url, pageLog, { beforeOpen: installScriptedCamera });
  await loadShopperFrames(page, shopper);
  return page;
}

async function askToPay(amount: number, reference: string): Promise<void> {
  const requested = await requestPayment(shell.url, shop.tillToken, { amount, reference });
  expect(requested.status).toBe(201);
  openPaymentId = requested.body.payment?.id ?? null;
}

async function balance(): Promise<number> {
  return (await admin.getAccount(shopperId)).balance;
}

describe('kiosk challenge path in Chromium', () => {
  it('a shopper who does what the two drawn prompts ask pays by face and PIN', async () => {
    expect(
      pool.every((kind) => shopper.answers.has(kind)),
      'she performs every kind of the pool',
    ).toBe(true);
    const page = await kioskWithShopper();
    const before = await balance();
    await askToPay(740, 'e2e-challenge-1');
    await waitForScreen(page, ['face'], 30_000);
    const { result: paid, events } = await whileAnswering(page, shopper, { reactionMs: 500 }, () =>
      followPayment(page, { pin: secondPersonDefaults.pin, timeoutMs: 90_000 }),
    );
    const asked = promptedChallenges(events);
    const refused = (await marks(page)).find((m) => m.name === 'face_refused');
    const why = `${asked.join(' > ')} ${paid.errorCode ?? ''} ${JSON.stringify(refused?.detail ?? {})}`;
    expect(
      paid,
      `${why}\n${JSON.stringify(events)}\n${pageLog.slice(-20).join('\n')}`,
    ).toMatchObject({
      outcome: 'paid',
    });
    openPaymentId = null;
    // Two challenges of the kiosk's pool, each answered with her own recorded move, and nothing more asked
    // of her: no 'blink' after them (the challenge answered is the motion the decision needs).
    expect(asked).toHaveLength(2);
    expect(new Set(asked).size).toBe(2);
    expect(asked.every((kind) => pool.includes(kind))).toBe(true);
    expect(events.filter((e) => e.kind === 'onset')).toHaveLength(2);
    expect(paid.screens).toEqual(expect.arrayContaining(['face', 'confirm', 'pin', 'receipt']));
    const hold = await admin.getHold(paid.holdId ?? '');
    expect(hold).toMatchObject({ status: 'settled', settled: 740, payer: shopperId });
    expect(await balance()).toBe(before - 740);
  }, 180_000);

  it('the same shopper standing still when asked is refused, and nothing is taken', async () => {
    const page = await kioskWithShopper();
    const before = await balance();
    await askToPay(520, 'e2e-challenge-2');
    await waitForScreen(page, ['face'], 30_000);
    const still = { ...shopper, answers: new Map() };
    const { result: refused, events } = await whileAnswering(page, still, { reactionMs: 500 }, () =>
      expectPromptThenRefusal(page, 'still'),
    );
    // She was asked and did nothing: the challenge, not the face or the hub, refused her, and the screen
    // says which move it waited for.
    expect(events.some((e) => e.kind === 'no_answer')).toBe(true);
    expect(events.some((e) => e.kind === 'onset')).toBe(false);
    const [asked] = promptedChallenges(events);
    expect(asked).toBe(refused.prompted);
    expect(refused.code, pageLog.slice(-20).join('\n')).toBe('challenge_missed');
    expectMoveNamed(refused, 'challenge_missed', asked);
    expect(await balance()).toBe(before);
  }, 180_000);

  it('a shopper who moves the wrong way is told the move asked, and pays when she retries it right', async () => {
    const page = await kioskWithShopper();
    const before = await balance();
    await askToPay(630, 'e2e-challenge-3');
    await waitForScreen(page, ['face'], 30_000);
    // Each prompt answered with another of her moves: a turn the other way, or a turn for the look down.
    const contrary = {
      ...shopper,
      answers: new Map(
        pool.map((kind) => [kind, shopper.answers.get(wrongMove[kind]) as ActionSegment]),
      ),
    };
    const { result: refused, events } = await whileAnswering(
      page,
      contrary,
      { reactionMs: 500 },
      () => expectPromptThenRefusal(page, 'wrong'),
    );
    const [asked] = promptedChallenges(events);
    expect(asked).toBe(refused.prompted);
    expect(refused.code, pageLog.slice(-20).join('\n')).toBe('challenge_wrong_move');
    expectMoveNamed(refused, 'challenge_wrong_move', asked);
    expect(await balance()).toBe(before);

    // The way out the screen offers first: try again, and this time do what is asked.
    await page.getByRole('button', { name: words('ja', 'actions.retry') }).click();
    await waitForScreen(page, ['face'], 30_000);
    const retried = await whileAnswering(page, shopper, { reactionMs: 500 }, () =>
      followPayment(page, { pin: secondPersonDefaults.pin, timeoutMs: 90_000 }),
    );
    const paid = retried.result;
    expect(
      paid,
      `${promptedChallenges(retried.events).join(' > ')} ${paid.errorCode ?? ''}`,
    ).toMatchObject({
      outcome: 'paid',
    });
    openPaymentId = null;
    const hold = await admin.getHold(paid.holdId ?? '');
    expect(hold).toMatchObject({ status: 'settled', settled: 630, payer: shopperId });
    expect(await balance()).toBe(before - 630);
  }, 240_000);
});

/** The move each kind of the pool is answered with by a shopper who gets it wrong. */
const wrongMove: Record<Challenge, Challenge> = {
  turn_left: 'turn_right',
  turn_right: 'turn_left',
  look_down: 'turn_left',
  look_up: 'turn_left',
  blink: 'turn_left',
};

interface Refusal {
  /** The first prompt shown (its data-prompt key). */
  prompted: string | null;
  code: string | null;
  body: { ja: string; en: string };
}

/** The refusal's body names the move asked, in the kiosk's own words, in both languages. */
function expectMoveNamed(refused: Refusal, code: string, asked: Challenge | undefined): void {
  expect(asked).toBeDefined();
  for (const language of ['ja', 'en'] as const) {
    const move = words(language, `error.moves.${asked as Challenge}`);
    expect(refused.body[language]).toBe(words(language, `error.${code}.body`, { move }));
  }
}

/** The first prompt, then the refusal, each screenshot in Japanese and English (`name` tells them apart). */
async function expectPromptThenRefusal(page: Page, name: string): Promise<Refusal> {
  // The first prompt, in Japanese and in English: the screen a challenged shopper reads.
  const prompt = page.locator(
    `[data-testid="face-prompt"]:is(${pool.map((k) => `[data-prompt="${k}"]`).join(',')})`,
  );
  await prompt.waitFor({ timeout: 30_000 });
  const kind = await prompt.getAttribute('data-prompt');
  const ja = (await prompt.textContent()) ?? '';
  await page.screenshot({ path: path.join(artifacts, `ja-${name}-prompt-${kind}.png`) });
  const toggle = page.locator('[data-testid="language-switch"]');
  await toggle.click();
  const en = (await prompt.textContent()) ?? '';
  await page.screenshot({ path: path.join(artifacts, `en-${name}-prompt-${kind}.png`) });
  await toggle.click();
  expect(ja).toMatch(/[ぁ-んァ-ン一-龯]/);
  expect(en).toMatch(/^Please (turn|look) /);
  await waitForScreen(page, ['error'], 30_000);
  const screen = page.locator('[data-testid="error-screen"]');
  const body = screen.locator('.error-body');
  const code = await screen.getAttribute('data-code');
  const jaBody = (await body.textContent()) ?? '';
  await page.screenshot({ path: path.join(artifacts, `ja-${name}-refused.png`) });
  await toggle.click();
  const enBody = (await body.textContent()) ?? '';
  await page.screenshot({ path: path.join(artifacts, `en-${name}-refused.png`) });
  await toggle.click();
  return { prompted: kind, code, body: { ja: jaBody, en: enBody } };
}
