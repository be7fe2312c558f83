// Presentation-attack clips made from one still photo with Debian's ffmpeg, for measurements and tests:
// the photo held up and moved (pan and zoom), or turned or tilted like a card in front of the camera.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { assert } from '../../shared/assert.ts';

const execFileAsync = promisify(execFile);

export type AttackMotion = 'pan-zoom' | 'card-turn' | 'card-tilt' | 'still';
/** The PAD corpus and the liveness evaluations take their own lists (padAttackMotions); nothing iterates
 * this one, so the pitch measurement's card-tilt joins it without changing what they train or measure. */
export const attackMotions: readonly AttackMotion[] = [
  'pan-zoom',
  'card-turn',
  'card-tilt',
  'still',
];

export interface AttackClipOptions {
  readonly photo: string;
  readonly output: string;
  readonly motion: AttackMotion;
  readonly frames: number;
  readonly framesPerSecond: number;
  /** Output is side x side; the photo is scaled to about half of it on a grey background. */
  readonly side: number;
}

/** The photo's height on the canvas, as a fraction of the side: a print held at arm's length. */
const photoFraction = 0.55;

function motionFilter(motion: AttackMotion, side: number, frames: number): string {
  const half = side / 2;
  switch (motion) {
    case 'still':
      return 'null';
    case 'pan-zoom':
      // Slow hand-held drift: zoom 1.0-1.3 and a few tens of pixels of pan, periods of a few seconds.
      return [
        `zoompan=z='1.15+0.15*sin(on/20)'`,
        `x='iw/2-iw/zoom/2+${(side / 16).toFixed(0)}*sin(on/15)'`,
        `y='ih/2-ih/zoom/2+${(side / 24).toFixed(0)}*cos(on/18)'`,
        `d=${frames}:s=${side}x${side}`,
      ].join(':');
    case 'card-turn': {
      // The card swings about its vertical axis by up to ~50 degrees each way; the far edge shrinks.
      const angle = `0.9*sin(in/10)`;
      const x = (sign: string): string => `${half}${sign}${half}*cos(${angle})`;
      const y = (base: number, sign: string): string =>
        `${base}${sign}${(side / 5).toFixed(0)}*sin(${angle})`;
      return [
        `perspective=x0='${x('-')}':y0='${y(0, '+')}'`,
        `x1='${x('+')}':y1='${y(0, '-')}'`,
        `x2='${x('-')}':y2='${y(side, '-')}'`,
        `x3='${x('+')}':y3='${y(side, '+')}'`,
        'sense=destination:eval=frame',
      ].join(':');
    }
    case 'card-tilt':
      return cardTiltFilter(side);
  }
}

/** card-turn's swing about the horizontal axis instead: the card's height shrinks, and the top and the
 * bottom edge take turns being the far (narrower) one, as a print tipped back and forth to fake a nod. */
function cardTiltFilter(side: number): string {
  const half = side / 2;
  const angle = `0.9*sin(in/10)`;
  const y = (sign: string): string => `${half}${sign}${half}*cos(${angle})`;
  const x = (base: number, sign: string): string =>
    `${base}${sign}${(side / 5).toFixed(0)}*sin(${angle})`;
  return [
    `perspective=x0='${x(0, '+')}':y0='${y('-')}'`,
    `x1='${x(side, '-')}':y1='${y('-')}'`,
    `x2='${x(0, '-')}':y2='${y('+')}'`,
    `x3='${x(side, '+')}':y3='${y('+')}'`,
    'sense=destination:eval=frame',
  ].join(':');
}

export async function makeAttackClip(options: AttackClipOptions): Promise<void> {
  assert(Number.isInteger(options.frames) && options.frames >= 1, 'frames must be positive');
  assert(options.side >= 64 && options.side <= 1280 && options.side % 2 === 0, 'side out of range');
  const photoSide = Math.round((options.side * photoFraction) / 2) * 2;
  const canvas = `scale=-2:${photoSide},pad=${options.side}:${options.side}:(ow-iw)/2:(oh-ih)/2:color=0x707070`;
  const filter = [
    canvas,
    motionFilter(options.motion, options.side, options.frames),
    'format=yuv420p',
  ];
  const args = ['-v', 'error', '-y', '-nostdin'];
  if (options.motion !== 'pan-zoom') args.push('-loop', '1');
  args.push('-i', options.photo, '-vf', filter.join(','), '-r', String(options.framesPerSecond));
  args.push('-frames:v', String(options.frames), '-c:v', 'libx264', '-crf', '18', options.output);
  await execFileAsync('ffmpeg', args);
}
