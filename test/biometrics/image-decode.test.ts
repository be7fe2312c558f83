// Untrusted image bytes: corrupt, truncated, huge-header, mislabelled and greyscale inputs are either
// decoded correctly or refused with a typed error, never a crash or a huge allocation.

import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageInputError } from '../../src/biometrics/errors.ts';
import type { ImageErrorCode } from '../../src/biometrics/errors.ts';
import { decodeImage } from '../../src/biometrics/image-decode.node.ts';
import { faceImageBytesMax } from '../../src/shared/limits.ts';
import { readFace } from './face-helpers.ts';

async function refusal(bytes: Uint8Array): Promise<ImageErrorCode> {
  const error: unknown = await decodeImage(bytes).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageInputError);
  return (error as ImageInputError).code;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header claiming width x height, with a tiny (wrong) data stream. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.alloc(16)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeImage', () => {
  it('decodes a colour JPEG to packed RGB', async () => {
    const image = await decodeImage(await readFace('facerec_obama/1.jpg'));
    expect(image.sourceFormat).toBe('jpeg');
    expect(image.data.byteLength).toBe(image.width * image.height * 3);
  });

  it('turns a greyscale JPEG into three equal channels', async () => {
    const bytes = await sharp(await readFace('orl_s01/1.jpg'))
      .toColourspace('b-w')
      .jpeg()
      .toBuffer();
    expect((await sharp(bytes).metadata()).channels).toBe(1);
    const image = await decodeImage(bytes);
    expect([image.width, image.height]).toEqual([92, 112]);
    expect(image.data.byteLength).toBe(92 * 112 * 3);
    const pixel = Array.from(image.data.subarray(3000, 3003));
    expect(new Set(pixel).size).toBe(1);
  });

  it('reads WebP content whatever the file is called', async () => {
    const webp = await sharp(await readFace('nuaa_client_0001/1.jpg'))
      .webp()
      .toBuffer();
    const image = await decodeImage(webp);
    expect(image.sourceFormat).toBe('webp');
    expect([image.width, image.height]).toEqual([203, 203]);
  });

  it('applies the EXIF orientation', async () => {
    const upright = await sharp(await readFace('facerec_obama/1.jpg'))
      .resize(300, 200, { fit: 'fill' })
      .jpeg()
      .toBuffer();
    const tagged = await sharp(upright).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const image = await decodeImage(tagged);
    expect(image.exifOrientation).toBe(6);
    expect([image.width, image.height]).toEqual([200, 300]);
  });

  it('scales large frames down to the frame limit', async () => {
    const big = await sharp({
      create: { width: 3000, height: 2000, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer();
    const image = await decodeImage(big);
    expect(Math.max(image.width, image.height)).toBe(1280);
    expect([image.sourceWidth, image.sourceHeight]).toEqual([3000, 2000]);
  });

  it('refuses empty, random and truncated bytes', async () => {
    expect(await refusal(new Uint8Array(0))).toBe('image_empty');
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    expect(await refusal(noise)).toBe('image_corrupt');
    const jpeg = await readFace('facerec_obama/1.jpg');
    expect(await refusal(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toBe('image_corrupt');
  });

  it('refuses a header claiming a huge image before decoding it', async () => {
    expect(await refusal(pngHeader(100_000, 100_000))).toBe('image_too_many_pixels');
    expect(await refusal(pngHeader(16_000, 16_000))).toBe('image_too_many_pixels');
  });

  it('refuses too many bytes and too small images', async () => {
    expect(await refusal(new Uint8Array(faceImageBytesMax + 1))).toBe('image_too_many_bytes');
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(await refusal(tiny)).toBe('image_too_small');
  });

  it('refuses formats that are not photos', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>',
    );
    expect(await refusal(svg)).toBe('image_unsupported_format');
  });
});
