// The face engine in real Chromium: the harness page runs the product pipeline (WebGL or wasm, models
// fetched and verified in the page) and must agree with the Node engine on the same photos; a model
// file altered or missing on the server stops start-up with its error code, never a silent score.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headlessChromiumArgs } from '../../scripts/kiosk/kiosk-browser.ts';
import { cosineSimilarity } from '../../src/biometrics/calibration/scores.ts';
import { createFaceEngine } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine, FrameResult } from '../../src/biometrics/engine.ts';
import { decodeImage } from '../../src/biometrics/image-decode.node.ts';
import { facePath, modelsDir } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { HarnessFaceResult, HarnessStartup } from './browser/harness-contract.ts';
import type { HarnessServer } from './browser/harness-server.ts';
import { startHarnessServer } from './browser/harness-server.ts';

const chromiumArgs = headlessChromiumArgs;
const photos = ['nuaa_client_0001/1.jpg', 'facerec_obama/1.jpg'];
/** Served by the test, not from disk: a lossless copy darkened until the quality gate refuses it. */
const darkPhotoUrl = '/derived/obama-1-dark.png';
/** A JPEG cut off after its first kilobyte: a clear image error in the page, never a crash or a score. */
const corruptPhotoUrl = '/derived/truncated.jpg';

let server: HarnessServer;
let browser: Browser;
let nodeEngine: FaceEngine;
let cacheDir: string;
let darkPng: Buffer;
const pageLog: string[] = [];

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'facepay-harness-vite-'));
  darkPng = await sharp(facePath('facerec_obama/1.jpg')).linear(0.15, 0).png().toBuffer();
  [server, browser, nodeEngine] = await Promise.all([
    startHarnessServer({ facesDir: path.dirname(facePath('x')), cacheDir }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs }),
    createFaceEngine(),
  ]);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
}, 90_000);

afterAll(async () => {
  nodeEngine?.dispose();
  await browser?.close();
  await server?.close();
  if (cacheDir !== undefined) await rm(cacheDir, { recursive: true, force: true });
  // Chromium, and everything it started, ended with close().
  await assertNoProcessLeft();
});

async function openHarness(
  setup: (context: BrowserContext) => Promise<void> = async () => {},
  query = '',
): Promise<{ page: Page; startup: HarnessStartup; context: BrowserContext }> {
  const context = await browser.newContext();
  await setup(context);
  const page = await context.newPage();
  page.on('console', (message) => pageLog.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => pageLog.push(`pageerror: ${error.message}`));
  await page.goto(`${server.origin}/index.html${query}`);
  const startup = await page.evaluate(() => window.harnessStartup);
  return { page, startup, context };
}

async function runInPage(page: Page, imageUrl: string): Promise<HarnessFaceResult> {
  return page.evaluate((url) => window.runFace(url), imageUrl);
}

function timingLine(label: string, timings: Record<string, number>): string {
  const parts = Object.entries(timings).map(([stage, ms]) => `${stage} ${ms.toFixed(1)}`);
  return `${label}: ${parts.join(', ')} ms`;
}

describe('face engine in Chromium', () => {
  it('starts on WebGL or wasm, names it, and agrees with the Node engine', async () => {
    const { page, startup, context } = await openHarness(async (ctx) => {
      await ctx.route(`**${darkPhotoUrl}`, (route) =>
        route.fulfill({ status: 200, contentType: 'image/png', body: darkPng }),
      );
      await ctx.route(`**${corruptPhotoUrl}`, async (route) =>
        route.fulfill({
          status: 200,
          contentType: 'image/jpeg',
          body: (await readFile(facePath('facerec_obama/1.jpg'))).subarray(0, 1024),
        }),
      );
    });
    try {
      expect(startup, pageLog.join('\n')).toMatchObject({ ok: true });
      if (!startup.ok) return;
      // With --disable-gpu WebGL is SwiftShader at best, which the default policy skips as slower than wasm.
      expect(['webgl', 'wasm']).toContain(startup.backend);
      if (startup.backend === 'wasm') expect(startup.fallbackReason).toMatch(/WebGL/);
      else expect(startup.webglRenderer).toMatch(/\S/);
      expect(startup.modelId).toBe(nodeEngine.modelId);
      console.log(
        `browser backend ${startup.backend} (${startup.webglRenderer ?? startup.fallbackReason}), ` +
          `started in ${startup.startupMs.toFixed(0)} ms; node backend ${nodeEngine.backend}`,
      );
      for (const photo of photos) {
        await runInPage(page, `/faces/${photo}`); // warm-up: first runs compile kernels
        const browserResult = await runInPage(page, `/faces/${photo}`);
        const nodeImage = await decodeImage(await readFile(facePath(photo)));
        await nodeEngine.processFrame(nodeImage);
        const nodeResult = await nodeEngine.processFrame(nodeImage);
        expectAgreement(photo, browserResult, nodeResult, startup.backend);
      }
      const dark = await runInPage(page, darkPhotoUrl);
      const nodeDark = await nodeEngine.processFrame(await decodeImage(darkPng));
      expect(nodeDark).toMatchObject({ ok: false, reason: 'too_dark' });
      expect(dark).toMatchObject({ ok: false, reason: 'too_dark', descriptor: null });
      await expect(runInPage(page, corruptPhotoUrl)).rejects.toThrow(/image_corrupt/);
      const after = await runInPage(page, `/faces/${photos[0]}`);
      expect(after.ok, 'the engine still works after a bad image').toBe(true);
    } finally {
      await context.close();
    }
  });

  it('gives the same descriptor on WebGL (SwiftShader when there is no GPU)', async () => {
    const { page, startup, context } = await openHarness(async () => {}, '?webgl=any');
    try {
      expect(startup, pageLog.join('\n')).toMatchObject({ ok: true, backend: 'webgl' });
      if (!startup.ok) return;
      expect(startup.webglRenderer).toMatch(/\S/);
      console.log(`browser webgl on ${startup.webglRenderer}`);
      const photo = photos[0] ?? '';
      // One cold run: software WebGL compiles its shaders on the first frame (~20 s here).
      const browserResult = await runInPage(page, `/faces/${photo}`);
      const nodeResult = await nodeEngine.processFrame(
        await decodeImage(await readFile(facePath(photo))),
      );
      expectAgreement(photo, browserResult, nodeResult, 'webgl');
    } finally {
      await context.close();
    }
  }, 120_000);

  it('refuses to start when a model file on the server was altered', async () => {
    const original = await readFile(path.join(modelsDir, 'face_recognition_model.bin'));
    const altered = Buffer.from(original);
    altered[altered.byteLength >> 1] = (altered[altered.byteLength >> 1] ?? 0) ^ 0x01;
    const { page, startup, context } = await openHarness(async (ctx) => {
      await ctx.route('**/models/face_recognition_model.bin', (route) =>
        route.fulfill({ status: 200, contentType: 'application/octet-stream', body: altered }),
      );
    });
    try {
      expect(startup).toMatchObject({ ok: false, code: 'model_hash_mismatch' });
      await expect(runInPage(page, `/faces/${photos[0]}`)).rejects.toThrow(/model_hash_mismatch/);
    } finally {
      await context.close();
    }
  });

  it('refuses to start when the face mesh’s weights on the server were altered', async () => {
    const original = await readFile(path.join(modelsDir, 'facemesh.bin'));
    const altered = Buffer.from(original);
    altered[1000] = (altered[1000] ?? 0) ^ 0x01;
    const { startup, context } = await openHarness(async (ctx) => {
      await ctx.route('**/models/facemesh.bin', (route) =>
        route.fulfill({ status: 200, contentType: 'application/octet-stream', body: altered }),
      );
    });
    try {
      expect(startup).toMatchObject({ ok: false, code: 'model_hash_mismatch' });
    } finally {
      await context.close();
    }
  });

  it('refuses to start when a model file is missing on the server', async () => {
    const { page, startup, context } = await openHarness(async (ctx) => {
      await ctx.route('**/models/blazeface.json', (route) =>
        route.fulfill({ status: 404, body: 'not found' }),
      );
    });
    try {
      expect(startup).toMatchObject({ ok: false, code: 'model_missing' });
      await expect(runInPage(page, `/faces/${photos[0]}`)).rejects.toThrow(/model_missing/);
    } finally {
      await context.close();
    }
  });
});

function expectAgreement(
  photo: string,
  browser: HarnessFaceResult,
  node: FrameResult,
  backend: string,
): void {
  expect(browser.backend).toBe(backend);
  expect(browser.modelId).toBe(node.modelId);
  expect(browser.reason, photo).toBe(node.ok ? null : node.reason);
  expect(browser.tensorsAfter, `${photo}: tensors leaked in the page`).toBe(browser.tensorsBefore);
  // The lids blinks are counted on: read in the page as in Node (face mesh + iris, both verified).
  const nodeEyes = node.face?.eyes ?? null;
  expect(browser.eyes === null, `${photo}: eyes read in one engine only`).toBe(nodeEyes === null);
  if (browser.eyes !== null && nodeEyes !== null) {
    expect(browser.eyes.openness, photo).toBeCloseTo(nodeEyes.openness, 2);
    expect(browser.eyes.ear, photo).toBeCloseTo(nodeEyes.ear, 2);
  }
  if (!node.ok) return;
  expect(browser.descriptor, photo).toHaveLength(node.descriptor.length);
  const similarity = cosineSimilarity(Float32Array.from(browser.descriptor ?? []), node.descriptor);
  console.log(`${photo}: 1 - cosine(browser, node) = ${(1 - similarity).toExponential(2)}`);
  console.log(
    timingLine(`  browser ${backend} (decode ${browser.decodeMs.toFixed(1)})`, browser.timingsMs),
  );
  console.log(timingLine(`  node ${node.backend}`, node.timingsMs));
  expect(similarity, photo).toBeGreaterThanOrEqual(0.99);
}
