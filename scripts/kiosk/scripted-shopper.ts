// A shopper who answers the kiosk's prompts in Chromium: the page's camera is a canvas on which Node draws,
// frame by frame at the clip's rate, a recorded person's own frames, chosen by bench:challenge's responder.
//
// Chromium's fake camera loops one file and cannot react, so no recording could answer a drawn challenge:
// here getUserMedia answers with the canvas's stream, and everything after the camera (the renderer's frame
// tick, the face worker, the session, the kiosk service, the hub) is the product unchanged.
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { Challenge } from '../../src/shared/challenge-kinds.ts';
import { challengeKinds } from '../../src/shared/challenge-kinds.ts';
import { decodeFrames } from '../bench-challenge/clip-frames.ts';
import type { Clip } from '../bench-challenge/clips.ts';
import { analyseClip, framesNeeded, limits, segmentsFor } from '../bench-challenge/clips.ts';
import type { ResponderEvent } from '../bench-challenge/responder.ts';
import { ScriptedResponder } from '../bench-challenge/responder.ts';
import type { ActionSegment, FrameRange } from '../bench-challenge/segments.ts';
import { defaultTurnExtent } from '../bench-challenge/segments.ts';

/** The clip's person does too few of the challenge's kinds to stand at a kiosk that asks them. */
export class ClipCannotAnswerError extends Error {
  override name = 'ClipCannotAnswerError';
}

export interface ScriptedShopper {
  readonly clip: Clip;
  /** The first recorded answer to each kind this person performs in the clip. */
  readonly answers: ReadonlyMap<Challenge, ActionSegment>;
  /** The longest frontal stretch: where the shopper stands until prompted. */
  readonly home: FrameRange;
  /** JPEG of every frame a run may show, by the clip's frame index. */
  readonly jpegs: ReadonlyMap<number, Buffer>;
  readonly frameIntervalMs: number;
  readonly width: number;
  readonly height: number;
}

/** Reads the clip with the kiosk's tracker (as bench:challenge does) and encodes the frames it may show. */
export async function prepareScriptedShopper(
  file: string,
  tracker: FaceTracker,
  turnExtent = defaultTurnExtent,
): Promise<ScriptedShopper> {
  const clip = await analyseClip(file, tracker, turnExtent);
  const answers = new Map<Challenge, ActionSegment>();
  for (const kind of challengeKinds) {
    const found = segmentsFor(clip, kind)[0];
    if (found !== undefined) answers.set(kind, found);
  }
  const home = [...clip.homes].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
  if (home === undefined) throw new Error(`${clip.readings.name}: no frontal stretch to stand on`);
  const images = await decodeFrames(file, framesNeeded(clip));
  const jpegs = new Map<number, Buffer>();
  for (const [index, image] of images)
    jpegs.set(
      index,
      await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
        raw: { width: image.width, height: image.height, channels: 3 },
      })
        .jpeg({ quality: 92 })
        .toBuffer(),
    );
  return {
    clip,
    answers,
    home,
    jpegs,
    frameIntervalMs: 1000 / clip.readings.framesPerSecond,
    width: clip.readings.width,
    height: clip.readings.height,
  };
}

/** What the page's scripted camera offers Node (installed by scriptedCameraInit). */
interface ScriptedCameraPage {
  size(width: number, height: number): void;
  add(index: number, base64: string): Promise<void>;
  /** Draws a frame; answers the face screen's prompt key (data-prompt) and the page's clock
   * (performance.now(), the clock of the kiosk's timing marks). */
  show(index: number): { prompt: string | null; pageMs: number };
}

/** Runs in the page before its own scripts: getUserMedia and enumerateDevices answer with the canvas. */
function scriptedCameraInit(): void {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const context = canvas.getContext('2d');
  const frames = new Map<number, ImageBitmap>();
  const camera: ScriptedCameraPage = {
    size(width, height) {
      canvas.width = width;
      canvas.height = height;
    },
    async add(index, base64) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      frames.set(index, await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' })));
    },
    show(index) {
      const frame = frames.get(index);
      if (frame !== undefined) context?.drawImage(frame, 0, 0, canvas.width, canvas.height);
      const prompt = document.querySelector('[data-testid="face-prompt"]');
      return {
        prompt: prompt?.getAttribute('data-prompt') ?? null,
        pageMs: performance.now(),
      };
    },
  };
  Object.defineProperty(window, 'facepayScriptedCamera', { value: camera });
  const device = {
    deviceId: 'scripted-camera',
    groupId: 'scripted-camera',
    kind: 'videoinput',
    label: 'Scripted camera',
    toJSON() {
      return this;
    },
  } as MediaDeviceInfo;
  navigator.mediaDevices.enumerateDevices = () => Promise.resolve([device]);
  navigator.mediaDevices.getUserMedia = () => Promise.resolve(canvas.captureStream(30));
}

/** Every page of `context` gets the scripted camera instead of Chromium's. */
export async function installScriptedCamera(context: BrowserContext): Promise<void> {
  await context.addInitScript(scriptedCameraInit);
}

/** Hands the page the shopper's frames (decoded there once). */
export async function loadShopperFrames(page: Page, shopper: ScriptedShopper): Promise<void> {
  await page.evaluate(
    ([width, height]) => {
      (
        window as unknown as { facepayScriptedCamera: ScriptedCameraPage }
      ).facepayScriptedCamera.size(width, height);
    },
    [shopper.width, shopper.height] as const,
  );
  const entries = [...shopper.jpegs].map(([index, jpeg]) => [index, jpeg.toString('base64')]);
  for (let i = 0; i < entries.length; i += 20)
    await page.evaluate(
      async (chunk) => {
        const camera = (window as unknown as { facepayScriptedCamera: ScriptedCameraPage })
          .facepayScriptedCamera;
        for (const [index, base64] of chunk) await camera.add(Number(index), String(base64));
      },
      entries.slice(i, i + 20),
    );
}

/** What a shopper did while an action ran, beside the action's own result. */
export interface Answered<T> {
  result: T;
  events: ResponderEvent[];
  pageMsAtStart: number | null;
}

/**
 * Runs `action` while the shopper answers the page's prompts (answerPrompts), and stops her once it ends,
 * whether it resolved or threw: her loop never outlives the payment it answered.
 */
export async function whileAnswering<T>(
  page: Page,
  shopper: ScriptedShopper,
  options: Parameters<typeof answerPrompts>[2],
  action: () => Promise<T>,
): Promise<Answered<T>> {
  const answering = answerPrompts(page, shopper, options);
  let result: T;
  let answered: Awaited<ReturnType<Answering['stop']>>;
  try {
    result = await action();
  } finally {
    answered = await answering.stop();
  }
  return { result, ...answered };
}

/** The challenges the shopper was prompted for, in order. */
export function promptedChallenges(events: readonly ResponderEvent[]): Challenge[] {
  return events.flatMap((e) => (e.kind === 'prompt' ? [e.challenge] : []));
}

export interface Answering {
  /** Stops drawing; resolves to what the shopper saw and did (prompts, onsets, splices), with the page's
   * clock at the shopper's time 0 (an event's page time is pageMsAtStart + its atMs). */
  stop(): Promise<{ events: ResponderEvent[]; pageMsAtStart: number | null }>;
}

/**
 * The shopper stands frontal, and `reactionMs` after each challenge prompt the page shows does what was
 * asked with the clip's own frames, on the wall clock at the clip's frame rate (frames due while Node was
 * busy are skipped, as a camera would).
 */
export function answerPrompts(
  page: Page,
  shopper: ScriptedShopper,
  options: {
    reactionMs: number;
    /** A move held at its extreme longer than this is cut short (null: as recorded); see ResponderOptions. */
    turnDwellMs?: number | null;
  },
): Answering {
  const responder = new ScriptedResponder({
    readings: shopper.clip.readings.readings,
    frameIntervalMs: shopper.frameIntervalMs,
    reactionMs: options.reactionMs,
    home: shopper.home,
    answers: shopper.answers,
    limits,
    turnDwellMs: options.turnDwellMs ?? null,
  });
  let stopped = false;
  let pageMsAtStart: number | null = null;
  const loop = (async () => {
    const started = performance.now();
    let step = 0;
    while (!stopped) {
      const due = Math.floor((performance.now() - started) / shopper.frameIntervalMs);
      let shown = responder.next();
      for (step += 1; step <= due; step++) shown = responder.next();
      const seen = await page
        .evaluate(
          (index) =>
            (
              window as unknown as { facepayScriptedCamera: ScriptedCameraPage }
            ).facepayScriptedCamera.show(index),
          shown.index,
        )
        .catch(() => null);
      if (seen === null) break;
      pageMsAtStart ??= seen.pageMs - shown.timestampMs;
      responder.observe(seen.prompt, shown.timestampMs);
      const wait = started + step * shopper.frameIntervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { events: responder.events, pageMsAtStart };
    },
  };
}
