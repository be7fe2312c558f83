// The page's camera as a test sees it: getUserMedia wrapped before the page loads (the real camera, the
// clip, still opens) to keep each stream it answered, and to hold its answer a while when asked (a slow
// camera); then whether every track the page opened has ended (the camera's light off).
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

declare global {
  interface Window {
    /** Every stream the page's getUserMedia answered, in order (installCameraLog). */
    __streams?: MediaStream[];
    /** installCameraLog's wrapper holds each answer this long after the camera opened. */
    __cameraDelayMs?: number;
  }
}

/** For openKiosk's beforeOpen: the context's pages keep every stream getUserMedia answers. */
export async function installCameraLog(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const devices = navigator.mediaDevices;
    const real = devices.getUserMedia.bind(devices);
    window.__streams = [];
    window.__cameraDelayMs = 0;
    devices.getUserMedia = async (constraints) => {
      const stream = await real(constraints);
      window.__streams?.push(stream);
      const delay = window.__cameraDelayMs ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      return stream;
    };
  });
}

/** The page's camera answers `ms` late from now on (0: at once). */
export async function delayCamera(page: Page, ms: number): Promise<void> {
  await page.evaluate((delay) => {
    window.__cameraDelayMs = delay;
  }, ms);
}

/** The readyState of every track of every stream the page opened, stream by stream. */
export async function trackStates(page: Page): Promise<string[][]> {
  return page.evaluate(() =>
    (window.__streams ?? []).map((stream) => stream.getTracks().map((track) => track.readyState)),
  );
}

/** The page has opened `count` streams, the last one live (the camera on). */
export async function expectCameraOn(page: Page, count: number): Promise<void> {
  await page
    .waitForFunction(
      (wanted) =>
        (window.__streams ?? []).length >= wanted &&
        (window.__streams?.at(-1)?.getTracks() ?? []).some((track) => track.readyState === 'live'),
      count,
      { timeout: 10_000 },
    )
    .catch(() => undefined);
  const states = await trackStates(page);
  expect(states.length, JSON.stringify(states)).toBe(count);
  expect(states.at(-1), JSON.stringify(states)).toContain('live');
}

/** Every track the page opened has ended (waited for a little: the screen's effect stops them). */
export async function expectCameraOff(page: Page): Promise<void> {
  await page
    .waitForFunction(
      () =>
        (window.__streams ?? []).every((stream) =>
          stream.getTracks().every((track) => track.readyState === 'ended'),
        ),
      undefined,
      { timeout: 5_000 },
    )
    .catch(() => undefined);
  const states = await trackStates(page);
  expect(states.length).toBeGreaterThan(0);
  expect(states.flat(), JSON.stringify(states)).toEqual(states.flat().map(() => 'ended'));
}
