// bench:challenge's command line, read without running anything: a wrong combination is a usage error
// before any model loads, and the pool a run is measured with is one the face session accepts.
//
// Pure: arguments in, options or the usage text out (the script prints it and exits 2).
import { parseArgs } from 'node:util';
import type { LivenessPolicyName } from '../../src/biometrics/face-session.ts';
import { defaultFaceSessionTuning } from '../../src/biometrics/face-session.ts';
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { challengeKinds } from '../../src/biometrics/liveness/active/challenge.ts';
import { blinkPromptAfterMsDefault, blinkPromptAfterMsMax } from './natural.ts';
import type { ReplayStart } from './replay.ts';
import { defaultTurnExtent } from './segments.ts';

const challengeOptions = defaultFaceSessionTuning.challenge;
/** Runs when --runs is not given (seeded modes only). */
const runsDefault = 10;

export interface BenchOptions {
  policy: LivenessPolicyName;
  /** scripted: a shopper answering the prompts; none: the recording as recorded (challenge policy only). */
  responder: 'scripted' | 'none';
  /** --responder none: where each recording starts (replay.ts ReplayStart). */
  from: ReplayStart;
  runs: number;
  reactionMs: number;
  turnDwellMs: number | null;
  turnExtent: number;
  blinkPromptAfterMs: readonly number[];
  /** The kinds the session draws its challenges from (default: the face session's pool). */
  pool: readonly Challenge[];
  json: string | undefined;
}

export type ParsedOptions =
  | { readonly ok: true; readonly options: BenchOptions }
  | { readonly ok: false; readonly usage: readonly string[] };

/** A comma list of challenge kinds, each known and none twice, at least as many as the session draws;
 * null otherwise. */
export function parsePool(text: string): readonly Challenge[] | null {
  const names = text.split(',').map((n) => n.trim());
  const pool = names.flatMap((n) => challengeKinds.filter((k) => k === n));
  const valid =
    pool.length === names.length &&
    new Set(pool).size === pool.length &&
    pool.length >= challengeOptions.count;
  return valid ? pool : null;
}

export function usage(): string[] {
  const pool = `[--pool ${challengeKinds.join(',')} (${challengeOptions.count} or more kinds; default ${challengeOptions.pool.join(',')})]`;
  return [
    `usage: bench:challenge [--runs 1..100] [--reaction-ms ${challengeOptions.reactionMsMin}..3000] [--turn-dwell-ms 0..5000 [--turn-extent 0..1]] ${pool} [--json FILE]`,
    `       bench:challenge --responder none [--runs 1..100 | --from clip-start] ${pool} [--json FILE]   (each clip as recorded, prompts ignored; clip-start: every order of the pool once, from the clip's first frame)`,
    `       bench:challenge --policy natural [--blink-prompt-after-ms 0,500,1500 (up to 10 values, 0..${blinkPromptAfterMsMax})] [--runs 1..100] [--reaction-ms ...] ${pool} [--json FILE]`,
  ];
}

function rawValues(args: readonly string[]): Record<string, string | undefined> | null {
  try {
    return parseArgs({
      args: [...args],
      options: {
        policy: { type: 'string', default: 'challenge' },
        responder: { type: 'string', default: 'scripted' },
        from: { type: 'string', default: 'seeded' },
        runs: { type: 'string' },
        'reaction-ms': { type: 'string', default: '500' },
        'turn-dwell-ms': { type: 'string' },
        'turn-extent': { type: 'string', default: String(defaultTurnExtent) },
        'blink-prompt-after-ms': { type: 'string', default: blinkPromptAfterMsDefault.join(',') },
        pool: { type: 'string', default: challengeOptions.pool.join(',') },
        json: { type: 'string' },
      },
    }).values;
  } catch {
    return null;
  }
}

export function parseBenchOptions(args: readonly string[]): ParsedOptions {
  const values = rawValues(args);
  if (values === null) return { ok: false, usage: usage() };
  const options = optionsOf(values);
  return options === null ? { ok: false, usage: usage() } : { ok: true, options };
}

function optionsOf(values: Record<string, string | undefined>): BenchOptions | null {
  const { policy, responder, from } = values;
  // clip-start plays every order once: a run count would be ignored, so it is refused.
  if (from === 'clip-start' && values.runs !== undefined) return null;
  const runs = Number(values.runs ?? runsDefault);
  const reactionMs = Number(values['reaction-ms']);
  const dwell = values['turn-dwell-ms'];
  const turnDwellMs = dwell === undefined ? null : Number(dwell);
  const turnExtent = Number(values['turn-extent']);
  const blinkPromptAfterMs = (values['blink-prompt-after-ms'] ?? '').split(',').map(Number);
  const pool = parsePool(values.pool ?? '');
  const valid =
    (policy === 'challenge' || policy === 'natural') &&
    (responder === 'scripted' || (responder === 'none' && policy === 'challenge')) &&
    (from === 'seeded' || (from === 'clip-start' && responder === 'none')) &&
    Number.isInteger(runs) &&
    runs >= 1 &&
    runs <= 100 &&
    reactionMs >= challengeOptions.reactionMsMin &&
    reactionMs <= 3000 &&
    (turnDwellMs === null || (turnDwellMs >= 0 && turnDwellMs <= 5000)) &&
    turnExtent > 0 &&
    turnExtent <= 1 &&
    blinkPromptAfterMs.length <= 10 &&
    blinkPromptAfterMs.every((v) => Number.isInteger(v) && v >= 0 && v <= blinkPromptAfterMsMax);
  if (!valid || pool === null) return null;
  return {
    policy,
    responder,
    from,
    runs,
    reactionMs,
    turnDwellMs,
    turnExtent,
    blinkPromptAfterMs,
    pool,
    json: values.json,
  };
}
