// Decoded frames as the engine takes them: tightly packed 8-bit RGB pixels, the same shape whether
// they came from sharp in Node or from a canvas/video frame in a browser.

import { assert } from '../shared/assert.ts';
import {
  faceImagePixelsMax,
  faceImageSideMaxPixels,
  faceImageSideMinPixels,
} from '../shared/limits.ts';
import { ImageInputError } from './errors.ts';

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes, row-major, R G B. */
  readonly data: Uint8Array;
}

export function assertRgbImage(image: RgbImage): void {
  assert(
    Number.isSafeInteger(image.width) && image.width > 0,
    'image width must be a positive integer',
  );
  assert(
    Number.isSafeInteger(image.height) && image.height > 0,
    'image height must be a positive integer',
  );
  assert(
    image.data.byteLength === image.width * image.height * 3,
    'image data must be width * height * 3 bytes',
  );
}

/** Drops the alpha byte of RGBA pixels (canvas ImageData, video frames). */
export function rgbFromRgba(
  width: number,
  height: number,
  rgba: Uint8Array | Uint8ClampedArray,
): RgbImage {
  assert(rgba.byteLength === width * height * 4, 'RGBA data must be width * height * 4 bytes');
  const data = new Uint8Array(width * height * 3);
  for (let source = 0, target = 0; source < rgba.byteLength; source += 4, target += 3) {
    data[target] = rgba[source] ?? 0;
    data[target + 1] = rgba[source + 1] ?? 0;
    data[target + 2] = rgba[source + 2] ?? 0;
  }
  return { width, height, data };
}

/** Refuses images over the pixel limits or too small to hold a face: before any pixel is decoded. */
export function checkImageSize(width: number, height: number): void {
  if (
    width > faceImageSideMaxPixels ||
    height > faceImageSideMaxPixels ||
    width * height > faceImagePixelsMax
  ) {
    throw new ImageInputError(
      'image_too_many_pixels',
      `${width}x${height} exceeds ${faceImagePixelsMax} pixels`,
    );
  }
  if (Math.min(width, height) < faceImageSideMinPixels) {
    throw new ImageInputError(
      'image_too_small',
      `${width}x${height} is under ${faceImageSideMinPixels} pixels a side`,
    );
  }
}
