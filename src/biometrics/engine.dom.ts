// Creates the face engine in a browser page (the kiosk renderer, plain Chromium): verified models
// fetched from URLs, WebGL or wasm, and the same per-frame pipeline class as Node.

import type { BrowserFaceApiRuntime } from './backend.dom.ts';
import type { FaceEngineOptions } from './engine.ts';
import { defaultFaceEngineOptions, FaceEngine } from './engine.ts';
import type { BrowserEngineUrls } from './engine-load.dom.ts';
import { loadFacePartsInBrowser } from './engine-load.dom.ts';
import type { TrackerOptions } from './face-tracker.ts';
import { defaultTrackerOptions, FaceTracker } from './face-tracker.ts';
import { padTextureEntry } from './liveness/pad-texture.entry.ts';
import type { PassiveTextureDetector } from './liveness/passive-texture.ts';
import { createPassiveTextureDetector, parsePadTextureModel } from './liveness/passive-texture.ts';
import type { ModelManifest } from './model-manifest.ts';
import { fetchVerifiedFile, modelFolder } from './model-store.dom.ts';

export interface CreateBrowserFaceEngineOptions extends BrowserEngineUrls {
  engine?: FaceEngineOptions;
}

export interface BrowserFaceEngine {
  engine: FaceEngine;
  /** Which backend ran and why WebGL did not, for the start-up log. */
  runtime: Omit<BrowserFaceApiRuntime, 'faceapi'>;
}

export async function createFaceEngineInBrowser(
  options: CreateBrowserFaceEngineOptions,
): Promise<FaceEngine> {
  return (await startFaceEngineInBrowser(options)).engine;
}

/** Like createFaceEngineInBrowser, also saying how the backend was chosen. */
export async function startFaceEngineInBrowser(
  options: CreateBrowserFaceEngineOptions,
): Promise<BrowserFaceEngine> {
  const { runtime, models } = await loadFacePartsInBrowser(options);
  const engine = new FaceEngine(
    { faceapi: runtime.faceapi, models, backend: runtime.backend },
    options.engine ?? defaultFaceEngineOptions,
  );
  const { backend, fallbackReason, webglRenderer } = runtime;
  return { engine, runtime: { backend, fallbackReason, webglRenderer } };
}

/** The kiosk's tracking loop in a page or Web Worker, on the same verified models. */
export async function startFaceTrackerInBrowser(
  options: CreateBrowserFaceEngineOptions & { tracker?: TrackerOptions },
): Promise<{ tracker: FaceTracker; runtime: BrowserFaceEngine['runtime'] }> {
  const { runtime, models } = await loadFacePartsInBrowser(options);
  const tracker = new FaceTracker(
    { faceapi: runtime.faceapi, models, backend: runtime.backend },
    options.engine ?? defaultFaceEngineOptions,
    options.tracker ?? defaultTrackerOptions,
  );
  const { backend, fallbackReason, webglRenderer } = runtime;
  return { tracker, runtime: { backend, fallbackReason, webglRenderer } };
}

/** The passive texture detector fetched from the models folder and verified before it may score. */
export async function loadPassiveTextureInBrowser(
  modelsBaseUrl: string,
): Promise<PassiveTextureDetector> {
  const manifest: ModelManifest = { version: 1, models: [padTextureEntry] };
  const bytes = await fetchVerifiedFile(modelFolder(modelsBaseUrl), manifest, padTextureEntry.file);
  return createPassiveTextureDetector(await parsePadTextureModel(bytes, padTextureEntry));
}
