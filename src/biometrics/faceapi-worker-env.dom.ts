// face-api looks for a DOM (document, HTMLCanvasElement) to decide it runs in a browser; a Web Worker
// has none, so every call threw "getEnv - environment is not defined". This gives it the worker's own
// canvas types. The engine hands face-api tensors only, so the image and video classes are never built.
import type * as FaceApi from '@vladmandic/face-api';

class NoElement {
  constructor() {
    throw new Error('face-api asked for an image or video element inside a Web Worker');
  }
}

export function isWorkerScope(): boolean {
  return typeof document === 'undefined' && typeof OffscreenCanvas !== 'undefined';
}

/** Installs the worker environment unless face-api already found one (a page). */
export function useWorkerEnvironment(faceapi: typeof FaceApi): void {
  if (!isWorkerScope() || faceapi.env.isBrowser()) return;
  faceapi.env.setEnv({
    Canvas: OffscreenCanvas,
    CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D,
    Image: NoElement,
    ImageData,
    Video: NoElement,
    createCanvasElement: () => new OffscreenCanvas(1, 1),
    createImageElement: () => new NoElement(),
    createVideoElement: () => new NoElement(),
    fetch: (url: RequestInfo | URL, init?: RequestInit) => fetch(url, init),
    readFile: () => {
      throw new Error('no files in a Web Worker');
    },
  } as unknown as Parameters<typeof faceapi.env.setEnv>[0]);
}
