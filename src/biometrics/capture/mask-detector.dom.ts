// The face-mask detector fetched from the models folder by a page or Web Worker, verified against its
// expected size and sha256 before it may judge a frame (a failure stops the worker's start-up).
import type { ModelManifest } from '../model-manifest.ts';
import { fetchVerifiedFile, modelFolder } from '../model-store.dom.ts';
import { maskDetectorEntry } from './mask-detector.entry.ts';
import type { MaskDetector } from './mask-detector.ts';
import { createMaskDetector, parseMaskModel } from './mask-detector.ts';

export async function loadMaskDetectorInBrowser(modelsBaseUrl: string): Promise<MaskDetector> {
  const manifest: ModelManifest = { version: 1, models: [maskDetectorEntry] };
  const bytes = await fetchVerifiedFile(
    modelFolder(modelsBaseUrl),
    manifest,
    maskDetectorEntry.file,
  );
  return createMaskDetector(await parseMaskModel(bytes, maskDetectorEntry));
}
