// Turns untrusted image bytes (camera stills, enrolment photos, test sets) into RGB pixels with sharp,
// refusing empty, oversized, corrupt or unknown input with a typed error before any large allocation.

import sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import { faceFrameSideMaxPixels, faceImageBytesMax, faceImagePixelsMax } from '../shared/limits.ts';
import { assert } from '../shared/assert.ts';
import { ImageInputError } from './errors.ts';
import type { RgbImage } from './image.ts';
import { assertRgbImage, checkImageSize } from './image.ts';

const acceptedFormats = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif']);

export interface DecodedImage extends RgbImage {
  /** What the bytes really are, whatever the file name says. */
  readonly sourceFormat: string;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** EXIF orientation tag that was applied (1 = upright). */
  readonly exifOrientation: number;
}

export interface DecodeOptions {
  /** Longest side of the returned frame; larger images are scaled down while decoding. */
  sideMaxPixels?: number;
}

export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  if (bytes.byteLength === 0) throw new ImageInputError('image_empty', 'no bytes');
  if (bytes.byteLength > faceImageBytesMax) {
    throw new ImageInputError(
      'image_too_many_bytes',
      `${bytes.byteLength} bytes > ${faceImageBytesMax}`,
    );
  }
  const header = await readHeader(bytes);
  const sideMax = options.sideMaxPixels ?? faceFrameSideMaxPixels;
  const { data, info } = await decodePixels(bytes, sideMax);
  const image: DecodedImage = {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    ...header,
  };
  assertRgbImage(image);
  return image;
}

interface Header {
  sourceFormat: string;
  sourceWidth: number;
  sourceHeight: number;
  exifOrientation: number;
}

async function readHeader(bytes: Uint8Array): Promise<Header> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageInputError('image_corrupt', 'not a readable image', { cause: error });
  }
  const { format, width, height } = metadata;
  if (!acceptedFormats.has(format)) {
    throw new ImageInputError('image_unsupported_format', `format ${format}`);
  }
  checkImageSize(width, height);
  return {
    sourceFormat: format,
    sourceWidth: width,
    sourceHeight: height,
    exifOrientation: metadata.orientation ?? 1,
  };
}

async function decodePixels(
  bytes: Uint8Array,
  sideMax: number,
): Promise<{ data: Buffer; info: OutputInfo }> {
  try {
    const result = await sharp(bytes, {
      limitInputPixels: faceImagePixelsMax,
      failOn: 'error',
      pages: 1,
    })
      .rotate()
      .resize({ width: sideMax, height: sideMax, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert(result.info.channels === 3, 'sharp must return 3 channels after toColourspace(srgb)');
    return result;
  } catch (error) {
    if (error instanceof ImageInputError) throw error;
    if (error instanceof Error && error.name === 'AssertionError') throw error;
    throw new ImageInputError('image_corrupt', 'the image data cannot be decoded', {
      cause: error,
    });
  }
}
