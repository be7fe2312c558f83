// Creates the face engine in a browser page (the kiosk renderer, plain Chromium): verified models
// fetched from URLs, WebGL or wasm, and the same per-frame pipeline class as Node.

import type { BrowserFaceApiRuntime } from './backend.dom.ts';
import type { FaceEngineOptions } from './engine.ts';
import { defaultFaceEngineOptions, FaceEngine } from './engine.ts';
import type { BrowserEngineUrls } from './engine-load.dom.ts';
import { loadFacePartsInBrowser } from './engine-load.dom.ts';

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
