// bench:challenge's command line: --pool takes known challenge kinds only, and --runs with --from
// clip-start (which plays every order once) is a usage error rather than a silently ignored count.
//
// The refusals run the script itself: it must exit 2 with its usage before any model loads.
import { describe, expect, it } from 'vitest';
import { defaultFaceSessionTuning } from '../../src/biometrics/face-session.ts';
import { challengeKinds } from '../../src/biometrics/liveness/active/challenge.ts';
import { parseBenchOptions, parsePool } from '../../scripts/bench-challenge/options.ts';
import { planFromClipStart, planReplay } from '../../scripts/bench-challenge/replay.ts';
import { runScript } from '../hub/process.ts';

const all = challengeKinds.join(',');

describe('bench:challenge --pool', () => {
  it('reads a comma list of challenge kinds; the default is the face session’s pool', () => {
    expect(parsePool(all)).toEqual(challengeKinds);
    expect(parsePool('look_up,blink')).toEqual(['look_up', 'blink']);
    const parsed = parseBenchOptions(['--pool', all, '--responder', 'none']);
    expect(parsed.ok && parsed.options.pool).toEqual(challengeKinds);
    const plain = parseBenchOptions([]);
    expect(plain.ok && plain.options.pool).toEqual(defaultFaceSessionTuning.challenge.pool);
  });

  it('refuses an unknown kind, a repeated one, and fewer kinds than the session draws', () => {
    expect(parsePool('blink,nod')).toBeNull();
    expect(parsePool('blink,blink')).toBeNull();
    expect(parsePool('blink')).toBeNull();
    expect(parseBenchOptions(['--pool', 'blink,turn_left,smile']).ok).toBe(false);
  });

  it('plans seeded and clip-start runs from the pool: 20 orders of 2 of the 5 kinds', () => {
    const orders = planFromClipStart(challengeKinds, defaultFaceSessionTuning.challenge.count);
    expect(orders).toHaveLength(20);
    const clip = { file: 'x', name: 'x', kind: 'live' as const, framesPerSecond: 25, frames: 100 };
    const drawn = planReplay(clip, 40, ['look_up', 'look_down']).map((p) => p.order.join('>'));
    expect(new Set(drawn)).toEqual(new Set(['look_up>look_down', 'look_down>look_up']));
  });

  it('exits 2 with its usage on an unknown kind', () => {
    const run = runScript('scripts/bench-challenge.ts', ['--pool', 'blink,nod']);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/^usage: bench:challenge/);
  }, 70_000);
});

describe('bench:challenge --from clip-start', () => {
  it('refuses --runs, which it would ignore', () => {
    expect(parseBenchOptions(['--responder', 'none', '--from', 'clip-start']).ok).toBe(true);
    expect(
      parseBenchOptions(['--responder', 'none', '--from', 'clip-start', '--runs', '3']).ok,
    ).toBe(false);
  });

  it('exits 2 with its usage when given --runs', () => {
    const run = runScript('scripts/bench-challenge.ts', [
      '--responder',
      'none',
      '--from',
      'clip-start',
      '--runs',
      '3',
    ]);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/^usage: bench:challenge/);
  }, 70_000);
});
