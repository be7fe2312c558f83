// The card-tilt attack clip must really tip the photo about its horizontal axis (the card the look-up /
// look-down measurement is judged against), not squash it or turn it like card-turn.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackMotion } from '../../../src/biometrics/replay/attack-clips.node.ts';
import { makeAttackClip } from '../../../src/biometrics/replay/attack-clips.node.ts';

const execFileAsync = promisify(execFile);
const side = 160;
/** 50 frames: the swing angle 0.9 sin(n / 10) goes through both extremes (n = 16 and n = 47). */
const frames = 50;
/** The white card against the canvas's grey (0x70) and the perspective's grey fill. */
const whiteMin = 180;

interface CardShape {
  /** Card pixels down the canvas's centre column and along the card's middle row. */
  readonly height: number;
  readonly width: number;
  /** Card pixels along a row just inside its top and its bottom edge. */
  readonly topWidth: number;
  readonly bottomWidth: number;
}

let dir = '';
let photo = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'facepay-card-tilt-'));
  photo = path.join(dir, 'card.png');
  const card = ['-f', 'lavfi', '-i', 'color=white:s=120x160', '-frames:v', '1', photo];
  await execFileAsync('ffmpeg', ['-v', 'error', '-y', '-nostdin', ...card]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function shapes(motion: AttackMotion): Promise<CardShape[]> {
  const output = path.join(dir, `${motion}.mp4`);
  await makeAttackClip({ photo, output, motion, frames, framesPerSecond: 25, side });
  const decode = ['-v', 'error', '-nostdin', '-i', output, '-f', 'rawvideo', '-pix_fmt', 'gray'];
  const { stdout } = await execFileAsync('ffmpeg', [...decode, '-'], {
    encoding: 'buffer',
    maxBuffer: side * side * frames * 2,
  });
  expect(stdout.length).toBe(side * side * frames);
  return Array.from({ length: frames }, (_, n) =>
    shapeOf(stdout.subarray(n * side * side, (n + 1) * side * side)),
  );
}

function shapeOf(gray: Buffer): CardShape {
  const white = (x: number, y: number): boolean => (gray[y * side + x] ?? 0) >= whiteMin;
  const rowWidth = (y: number): number =>
    Array.from({ length: side }, (_, x) => x).filter((x) => white(x, y)).length;
  const column = Array.from({ length: side }, (_, y) => y).filter((y) => white(side / 2, y));
  const top = column[0] ?? 0;
  const bottom = column.at(-1) ?? 0;
  return {
    height: column.length,
    width: rowWidth(Math.round((top + bottom) / 2)),
    topWidth: rowWidth(top + 2),
    bottomWidth: rowWidth(bottom - 2),
  };
}

const spread = (values: readonly number[]): number => Math.max(...values) / Math.min(...values);

describe('card-tilt attack clip', () => {
  it('tips the card about its horizontal axis: its height changes, its width stays, top and bottom take turns being narrower', async () => {
    const tilt = await shapes('card-tilt');
    expect(Math.min(...tilt.map((s) => s.height))).toBeGreaterThan(20);
    // cos(0.9) = 0.62: the card at its steepest is about 5/8 of its frontal height.
    expect(spread(tilt.map((s) => s.height))).toBeGreaterThan(1.4);
    expect(spread(tilt.map((s) => s.width))).toBeLessThan(1.15);
    expect(tilt.some((s) => s.topWidth < 0.85 * s.bottomWidth)).toBe(true);
    expect(tilt.some((s) => s.bottomWidth < 0.85 * s.topWidth)).toBe(true);
  }, 60_000);

  it('is not card-turn: the card turned about its vertical axis keeps its height and changes its width', async () => {
    const turn = await shapes('card-turn');
    expect(spread(turn.map((s) => s.width))).toBeGreaterThan(1.4);
    expect(spread(turn.map((s) => s.height))).toBeLessThan(1.15);
  }, 60_000);
});
