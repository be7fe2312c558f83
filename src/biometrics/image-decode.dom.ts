// Turns untrusted image bytes into RGB pixels in a browser with the page's own decoder, under the
// same limits as image-decode.node.ts, refusing empty, oversized or undecodable input with a typed error.

import { faceFrameSideMaxPixels, faceImageBytesMax } from '../shared/limits.ts';
import { assert } from '../shared/assert.ts';
import { ImageInputError } from './errors.ts';
import type { RgbImage } from './image.ts';
import { assertRgbImage, checkImageSize, rgbFromRgba } from './image.ts';

export interface BrowserDecodedImage extends RgbImage {
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

export interface BrowserDecodeOptions {
  /** Longest side of the returned frame; larger images are scaled down. */
  sideMaxPixels?: number;
}

/** EXIF orientation is applied and the bytes are sniffed, so WebP behind .jpg decodes as WebP. */
export async function decodeImageInBrowser(
  blob: Blob,
  options: BrowserDecodeOptions = {},
): Promise<BrowserDecodedImage> {
  if (blob.size === 0) throw new ImageInputError('image_empty', 'no bytes');
  if (blob.size > faceImageBytesMax) {
    throw new ImageInputError('image_too_many_bytes', `${blob.size} bytes > ${faceImageBytesMax}`);
  }
  const source = await bitmapOf(blob, { imageOrientation: 'from-image' });
  try {
    checkImageSize(source.width, source.height);
    const target = fitInside(source, options.sideMaxPixels ?? faceFrameSideMaxPixels);
    const pixels = await rgbaPixels(source, target);
    const image = {
      ...rgbFromRgba(target.width, target.height, pixels),
      sourceWidth: source.width,
      sourceHeight: source.height,
    };
    assertRgbImage(image);
    return image;
  } finally {
    source.close();
  }
}

async function bitmapOf(
  image: ImageBitmapSource,
  options: ImageBitmapOptions,
): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(image, options);
  } catch (error) {
    throw new ImageInputError('image_corrupt', 'the image data cannot be decoded', {
      cause: error,
    });
  }
}

interface Size {
  width: number;
  height: number;
}

function fitInside(size: Size, sideMax: number): Size {
  const scale = Math.min(1, sideMax / Math.max(size.width, size.height));
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

async function rgbaPixels(source: ImageBitmap, target: Size): Promise<Uint8ClampedArray> {
  const scaled =
    target.width === source.width && target.height === source.height
      ? null
      : await bitmapOf(source, {
          resizeWidth: target.width,
          resizeHeight: target.height,
          resizeQuality: 'high',
        });
  try {
    const canvas = new OffscreenCanvas(target.width, target.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    assert(context !== null, 'an OffscreenCanvas always has a 2d context');
    context.drawImage(scaled ?? source, 0, 0);
    return context.getImageData(0, 0, target.width, target.height).data;
  } finally {
    scaled?.close();
  }
}
