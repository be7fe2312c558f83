// bench:e2e refuses a command line it cannot honour with its usage (exit 2) before it starts a hub,
// builds the kiosk or opens Chromium: --pool is read as bench:challenge reads it (parsePool).
import { describe, expect, it } from 'vitest';
import { runScript } from '../hub/process.ts';

describe('bench:e2e usage', () => {
  it.each([
    ['an unknown kind', ['--answer-challenges', '--pool', 'turn_left,nod']],
    ['a kind twice', ['--answer-challenges', '--pool', 'turn_left,turn_left']],
    ['fewer kinds than the kiosk draws', ['--answer-challenges', '--pool', 'turn_left']],
    ['a pool without the challenge path', ['--pool', 'turn_left,turn_right']],
    ['no runs', ['--runs', '0']],
  ])(
    'exits 2 with its usage on %s',
    (_name, args) => {
      const run = runScript('scripts/bench-e2e.ts', args);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^usage: bench:e2e/);
    },
    70_000,
  );
});
