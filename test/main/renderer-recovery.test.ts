// The kiosk window's answer to a hung or dead renderer (main.electron.ts wires it to 'unresponsive',
// 'responsive' and 'render-process-gone'): a hang that lasts is ended and the page loaded again, a death
// reloads after a pause that grows while deaths come in a row, and a closed window gets no reload.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  hungRendererGraceMs,
  rendererDeathsCountedForMs,
  rendererRecovery,
  rendererReloadDelayMs,
  rendererReloadDelayMsMax,
} from '../../src/main/electron/renderer-recovery.ts';

/** What the window was asked to do, in order, and its log; `closed` stands for window.isDestroyed(). */
function kioskWindow() {
  const done: string[] = [];
  const log: string[] = [];
  const state = { closed: false, nowMs: 0 };
  const recovery = rendererRecovery({
    reload: () => done.push('reload'),
    endRenderer: () => done.push('endRenderer'),
    destroyed: () => state.closed,
    log: (line) => log.push(line),
    now: () => state.nowMs,
  });
  /** Time passes: the timers and the clock deaths are counted by alike. */
  const pass = (ms: number) => {
    state.nowMs += ms;
    vi.advanceTimersByTime(ms);
  };
  return { recovery, done, log, state, pass };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a renderer that stops responding', () => {
  it('is ended once the grace runs out, and the death that follows reloads the page', () => {
    const { recovery, done, log, pass } = kioskWindow();
    recovery.unresponsive();
    expect(log).toEqual([
      `the kiosk screen is not responding; it is reloaded in ${hungRendererGraceMs} ms unless it answers`,
    ]);
    // Chromium says it again while it stays hung: one grace, not one each time.
    pass(hungRendererGraceMs - 1);
    recovery.unresponsive();
    expect(done).toEqual([]);
    pass(1);
    expect(done).toEqual(['endRenderer']);
    // forcefullyCrashRenderer's 'render-process-gone' follows.
    recovery.gone({ reason: 'killed', exitCode: 9 });
    pass(rendererReloadDelayMs);
    expect(done).toEqual(['endRenderer', 'reload']);
    expect(log.at(-1)).toMatch(/renderer is gone \(killed, exit code 9; 1 in a row\)/);
  });

  it('that answers again within the grace is left alone', () => {
    const { recovery, done, log, pass } = kioskWindow();
    recovery.unresponsive();
    pass(hungRendererGraceMs / 2);
    recovery.responsive();
    pass(hungRendererGraceMs * 2);
    expect(done).toEqual([]);
    expect(log.at(-1)).toBe('the kiosk screen responds again');
  });

  it('of a window closed meanwhile (the kiosk quitting) is not ended', () => {
    const { recovery, done, state, pass } = kioskWindow();
    recovery.unresponsive();
    state.closed = true;
    pass(hungRendererGraceMs);
    expect(done).toEqual([]);
  });
});

describe('a renderer that dies', () => {
  it('is reloaded after a pause doubling with each death in a row, up to the most', () => {
    const { recovery, done, pass } = kioskWindow();
    const delays: number[] = [];
    for (let death = 0; death < 9; death += 1) {
      recovery.gone({ reason: 'crashed', exitCode: 139 });
      let waitedMs = 0;
      while (done.length === death) {
        pass(500);
        waitedMs += 500;
      }
      delays.push(waitedMs);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(Math.max(...delays)).toBe(rendererReloadDelayMsMax);
  });

  it('long after the last death, counts from one again', () => {
    const { recovery, done, log, pass } = kioskWindow();
    recovery.gone({ reason: 'oom', exitCode: 0 });
    pass(rendererReloadDelayMs);
    recovery.gone({ reason: 'oom', exitCode: 0 });
    pass(rendererReloadDelayMs * 2);
    expect(done).toEqual(['reload', 'reload']);
    pass(rendererDeathsCountedForMs + 1);
    recovery.gone({ reason: 'oom', exitCode: 0 });
    expect(log.at(-1)).toMatch(/1 in a row\): reloading in 1000 ms$/);
  });

  it('twice before its reload is reloaded once', () => {
    const { recovery, done, pass } = kioskWindow();
    recovery.gone({ reason: 'crashed', exitCode: 139 });
    recovery.gone({ reason: 'crashed', exitCode: 139 });
    pass(rendererReloadDelayMsMax);
    expect(done).toEqual(['reload']);
  });

  it('in a window closed before the reload (or disposed) is not reloaded', () => {
    const closing = kioskWindow();
    closing.recovery.gone({ reason: 'crashed', exitCode: 139 });
    closing.state.closed = true;
    closing.pass(rendererReloadDelayMs);
    expect(closing.done).toEqual([]);

    const disposed = kioskWindow();
    disposed.recovery.gone({ reason: 'crashed', exitCode: 139 });
    disposed.recovery.dispose();
    disposed.pass(rendererReloadDelayMsMax);
    expect(disposed.done).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
