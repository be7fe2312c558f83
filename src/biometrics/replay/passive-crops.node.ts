// Face crops for training the passive detector from a recording of live people: evenly spread frames,
// read by the kiosk's engine and cropped exactly as the replay pipeline crops what it scores.
import { assert } from '../../shared/assert.ts';
import type { RgbImage } from '../image.ts';
import { openFrameSource } from './frame-source.node.ts';
import type { FrameEngine } from './pipeline.ts';
import { passiveCrop } from './pipeline.ts';
import { evenOrdinals } from './replay.node.ts';

export interface RecordingCrops {
  readonly file: string;
  /** Frames the engine read (evenly spread over the recording). */
  readonly framesRead: number;
  readonly crops: readonly RgbImage[];
}

export async function passiveCropsFromRecording(
  file: string,
  engine: FrameEngine,
  count: number,
): Promise<RecordingCrops> {
  assert(Number.isSafeInteger(count) && count >= 1, 'count must be a positive integer');
  const source = await openFrameSource(file, { folderFps: 1 });
  const keep = evenOrdinals(source.plan.total, count);
  const crops: RgbImage[] = [];
  let ordinal = 0;
  let framesRead = 0;
  for await (const frame of source.frames()) {
    const kept = keep.has(ordinal);
    ordinal += 1;
    if (!kept) continue;
    framesRead += 1;
    const crop = passiveCrop(frame.image, await engine.processFrame(frame.image));
    if (crop !== null) crops.push(crop);
  }
  return { file, framesRead, crops };
}
