// Face-region croppers for the passive detector: until a face detector is wired in, evaluation of full
// frames uses a fixed centre crop; the detector's crop will plug into the same FaceCropper shape.
import { assert } from '../../shared/assert.ts';
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
