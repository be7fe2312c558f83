// Face-region croppers for the passive detector: until a face detector is wired in, evaluation of full
// frames uses a fixed centre crop; the detector's crop will plug into the same FaceCropper shape.
import { assert } from '../../shared/assert.ts';
import type { Box } from '../geometry.ts';
import type { RgbImage } from '../image.ts';
import { assertRgbImage } from '../image.ts';

/** Returns the face region of a frame, or null when there is no usable face (a failure to acquire). */
export type FaceCropper = (frame: RgbImage) => Promise<RgbImage | null>;

export interface CentreCropOptions {
  /** Side of the square crop as a fraction of the frame's shorter side. */
  readonly sideFraction: number;
  /** Vertical centre of the crop as a fraction of the frame's height (selfies sit a little high). */
  readonly centreY: number;
}

export function centreCrop(frame: RgbImage, options: CentreCropOptions): RgbImage {
  assertRgbImage(frame);
  assert(options.sideFraction > 0 && options.sideFraction <= 1, 'sideFraction must be in (0, 1]');
  assert(options.centreY >= 0 && options.centreY <= 1, 'centreY must be in [0, 1]');
  const side = Math.max(1, Math.round(Math.min(frame.width, frame.height) * options.sideFraction));
  const left = Math.round((frame.width - side) / 2);
  const top = Math.min(
    Math.max(Math.round(frame.height * options.centreY - side / 2), 0),
    frame.height - side,
  );
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const from = ((top + y) * frame.width + left) * 3;
    data.set(frame.data.subarray(from, from + side * 3), y * side * 3);
  }
  return { width: side, height: side, data };
}

/** The images are already face crops (the spoof/ sets): pass them through. */
export const asGivenCropper: FaceCropper = (frame) => Promise.resolve(frame);

/** Centre crop tuned by eye on the selfie videos of shared/data/video: head in the upper middle. */
export const selfieCentreCropper: FaceCropper = (frame) =>
  Promise.resolve(centreCrop(frame, { sideFraction: 0.6, centreY: 0.42 }));

export interface BoxCropOptions {
  /** Side of the square crop relative to the larger side of the face box (NUAA crops: about 1.2). */
  readonly scale: number;
}

/** Square crop around a detected face box, clipped to the frame; null when too little of it is inside. */
export function boxCrop(frame: RgbImage, box: Box, options: BoxCropOptions): RgbImage | null {
  assertRgbImage(frame);
  assert(options.scale > 0 && Number.isFinite(options.scale), 'scale must be positive');
  const side = Math.round(Math.max(box.width, box.height) * options.scale);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const width = Math.min(frame.width, Math.round(cx + side / 2)) - left;
  const height = Math.min(frame.height, Math.round(cy + side / 2)) - top;
  if (width < side / 2 || height < side / 2 || width <= 0 || height <= 0) return null;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * frame.width + left) * 3;
    data.set(frame.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}
