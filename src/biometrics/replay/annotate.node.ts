// Small annotated frames for the replay report: the frame scaled down with sharp, the face box and the
// 68 landmarks drawn from an SVG overlay, encoded as a JPEG for embedding as base64.
import sharp from 'sharp';
import { replayReportFrameSidePixels } from '../../shared/limits.ts';
import type { RgbImage } from '../image.ts';
import type { ReplayFrameRecord } from './pipeline.ts';

export async function annotatedJpegBase64(
  image: RgbImage,
  record: ReplayFrameRecord,
): Promise<string> {
  const scale = Math.min(1, replayReportFrameSidePixels / Math.max(image.width, image.height));
  const w = Math.max(1, Math.round(image.width * scale));
  const h = Math.max(1, Math.round(image.height * scale));
  const shapes: string[] = [];
  const box = record.box;
  if (box !== null) {
    const colour = record.quality === 'ok' ? '#2f2' : '#fa0';
    shapes.push(
      `<rect x="${box.x * scale}" y="${box.y * scale}" width="${box.width * scale}" height="${box.height * scale}" fill="none" stroke="${colour}" stroke-width="2"/>`,
    );
  }
  for (const p of record.landmarks ?? [])
    shapes.push(`<circle cx="${p.x * scale}" cy="${p.y * scale}" r="1.4" fill="#f33"/>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${shapes.join('')}</svg>`;
  const jpeg = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(w, h)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 72 })
    .toBuffer();
  return jpeg.toString('base64');
}
