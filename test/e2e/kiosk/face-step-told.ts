// What the page's marks say of a face step, for an e2e failure's message: which screen it ended on and its
// code, the face read or refused (and why), the engine given up on, the identify asked, each timed.
import type { Page } from 'playwright-core';
import { marks } from '../../../scripts/kiosk/kiosk-browser.ts';

/** The marks that tell how a face step went, besides the screens shown. */
const toldMarks = new Set([
  'engine_ready',
  'face_first_seen',
  'face_decided',
  'face_refused',
  'face_engine_failed',
  'identify_sent',
  'identify_done',
]);

/**
 * The screen shown now and its error code (if any), then the page's marks from the first face screen on (the
 * screens, the face step's own, frames answered and failed between them), each in seconds from that screen.
 */
export async function faceStepTold(page: Page): Promise<string> {
  const screen = await page.evaluate(() => document.body.dataset['screen'] ?? '');
  const errorScreen = page.locator('[data-testid="error-screen"]');
  const code = screen === 'error' ? await errorScreen.getAttribute('data-code') : null;
  const timeline = await marks(page);
  const from = timeline.findIndex((mark) => mark.name === 'screen:face');
  const lines = [`screen: ${screen}${code === null ? '' : `, code: ${code}`}`];
  if (from === -1) return [...lines, 'no face screen in the marks'].join('\n');
  const start = timeline[from]?.at ?? 0;
  let frames = 0;
  let frameErrors = 0;
  const processMs: number[] = [];
  const flushFrames = () => {
    if (frames + frameErrors === 0) return;
    const sorted = processMs.sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    lines.push(
      `  ${frames} frames answered (median ${median === undefined ? '-' : Math.round(median)} ms each), ${frameErrors} frame_error`,
    );
    frames = 0;
    frameErrors = 0;
    processMs.length = 0;
  };
  for (const mark of timeline.slice(from)) {
    if (mark.name === 'frame') {
      frames += 1;
      const ms = mark.detail?.['processMs'];
      if (typeof ms === 'number') processMs.push(ms);
    } else if (mark.name === 'frame_error') {
      frameErrors += 1;
    } else if (mark.name.startsWith('screen:') || toldMarks.has(mark.name)) {
      flushFrames();
      const seconds = ((mark.at - start) / 1000).toFixed(1);
      const detail = mark.detail === undefined ? '' : ` ${JSON.stringify(mark.detail)}`;
      lines.push(`${seconds} s: ${mark.name}${detail}`);
    }
  }
  flushFrames();
  return lines.join('\n');
}
