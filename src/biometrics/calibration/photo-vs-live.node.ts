// Reads the enrolment station's photo-vs-live calibration from disk (models/photo-vs-live.json by default)
// for Node callers: the kiosk service and the scripts; the check itself is photo-vs-live.ts's.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PhotoVsLiveCalibration } from './photo-vs-live.ts';
import { parsePhotoVsLiveFile } from './photo-vs-live.ts';

export const photoVsLiveFile = path.resolve(
  import.meta.dirname,
  '../../../models/photo-vs-live.json',
);

export async function readPhotoVsLiveFile(
  file: string = photoVsLiveFile,
  expectedModelId?: string,
): Promise<PhotoVsLiveCalibration> {
  return parsePhotoVsLiveFile(await readFile(file, 'utf8'), expectedModelId);
}
