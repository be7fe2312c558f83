// Shared helpers of the face-engine tests: where the shared test photos live and how to read them,
// so every test reads real data from ../shared/data rather than copies in the repository.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sharp } from 'sharp';
import { decodeImage } from '../../src/biometrics/image-decode.node.ts';
import type { DecodedImage } from '../../src/biometrics/image-decode.node.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const sharedData = path.resolve(repoRoot, '..', 'shared', 'data');
export const modelsDir = path.join(repoRoot, 'models');

export function facePath(relative: string): string {
  return path.join(sharedData, 'faces', relative);
}

export async function readFace(relative: string): Promise<Buffer> {
  return readFile(facePath(relative));
}

export async function decodeFace(relative: string): Promise<DecodedImage> {
  return decodeImage(await readFace(relative));
}

export async function decodeSharp(pipeline: Sharp): Promise<DecodedImage> {
  return decodeImage(await pipeline.png().toBuffer());
}
