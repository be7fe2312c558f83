// The kiosk face worker's hang clock (UnansweredFrame, as FaceReader keeps it): a slow engine that answers is
// not taken for a hung one, cold (WebGL compiling its shaders) or after a restart, and a stuck one still is.
import { describe, expect, it } from 'vitest';
import { UnansweredFrame } from '../../src/renderer/face/unanswered-frame.ts';
import { faceEngineAnswerMsMax, faceEngineFirstFaceAnswerMsMax } from '../../src/shared/limits.ts';

/** `ms` after `start`: whole milliseconds of the real clock (performance.now(), as the reader uses), so sums are exact. */
const at = (start: number, ms: number) => start + ms;
/** backend.dom.ts's measure of SwiftShader compiling shaders on the first frame. */
const firstFrameMs = 20_000;

describe('the face worker hang clock', () => {
  it('gives a cold engine its slow first frame and first face, then the warm limit', () => {
    const t0 = Math.floor(performance.now());
    const clock = new UnansweredFrame();
    clock.restarted(t0);
    clock.sent(t0);
    // The first frame, no face, compiling the detector's shaders: not hung at 20 s.
    expect(clock.hung(at(t0, firstFrameMs))).toBe(false);
    clock.answered(at(t0, firstFrameMs), 0, false);
    expect(clock.waitedMs(at(t0, firstFrameMs))).toBe(0);
    // The first frame with a face compiles the landmark and descriptor models': 20 s again, not hung.
    clock.sent(at(t0, firstFrameMs + 66));
    expect(clock.hung(at(t0, 2 * firstFrameMs + 66))).toBe(false);
    clock.answered(at(t0, 2 * firstFrameMs + 66), 0, true);
    // Warm: a frame unanswered for faceEngineAnswerMsMax is a hang.
    const warmSent = at(t0, 2 * firstFrameMs + 100);
    clock.sent(warmSent);
    expect(clock.hung(warmSent + faceEngineAnswerMsMax - 1)).toBe(false);
    expect(clock.hung(warmSent + faceEngineAnswerMsMax)).toBe(true);
  });

  it('judges a cold engine that never answers hung at the cold limit', () => {
    const t0 = Math.floor(performance.now());
    const clock = new UnansweredFrame();
    clock.restarted(t0);
    clock.sent(t0);
    expect(clock.hung(at(t0, faceEngineAnswerMsMax))).toBe(false);
    expect(clock.hung(at(t0, faceEngineFirstFaceAnswerMsMax))).toBe(true);
    // Try again: still stuck past the cold limit, it is not given more time.
    clock.restarted(at(t0, faceEngineFirstFaceAnswerMsMax + 2_000));
    expect(clock.hung(at(t0, faceEngineFirstFaceAnswerMsMax + 2_000))).toBe(true);
  });

  it('gives a restart its own time for a slow frame the last session gave up on', () => {
    const t0 = Math.floor(performance.now());
    const clock = new UnansweredFrame();
    clock.restarted(t0);
    clock.sent(t0);
    clock.answered(at(t0, 500), 0, true);
    // Warm, a frame takes 12 s (a loaded kiosk): the session gives up at 10 s.
    const slowSent = at(t0, 1_000);
    clock.sent(slowSent);
    expect(clock.hung(slowSent + faceEngineAnswerMsMax)).toBe(true);
    // Try again 1 s later, the frame still unanswered: the new session is not failed at once.
    const retry = slowSent + faceEngineAnswerMsMax + 1_000;
    clock.restarted(retry);
    expect(clock.hung(retry)).toBe(false);
    expect(clock.waitedMs(retry)).toBe(0);
    // The frame answers 1 s on, nothing else in flight: no wait at all.
    clock.answered(retry + 1_000, 0, true);
    expect(clock.hung(retry + faceEngineAnswerMsMax + 1_000)).toBe(false);
    // Had it stayed unanswered, the new session gives up after the limit of its own.
    const stuck = new UnansweredFrame();
    stuck.restarted(t0);
    stuck.sent(t0);
    stuck.answered(at(t0, 100), 1, true);
    stuck.restarted(at(t0, 11_000));
    expect(stuck.hung(at(t0, 11_000 + faceEngineAnswerMsMax - 1))).toBe(false);
    expect(stuck.hung(at(t0, 11_000 + faceEngineAnswerMsMax))).toBe(true);
  });
  it('gives a frame stuck in a warm worker one fresh limit, not one for each restart', () => {
    const t0 = Math.floor(performance.now());
    const clock = new UnansweredFrame();
    clock.restarted(t0);
    clock.sent(t0);
    clock.answered(at(t0, 500), 0, true);
    // Warm, the worker hangs on a frame: the session gives up at the warm limit.
    const stuckSent = at(t0, 1_000);
    clock.sent(stuckSent);
    expect(clock.hung(stuckSent + faceEngineAnswerMsMax)).toBe(true);
    // Try again 1 s later: the frame may only be slow, so this session is given the limit of its own.
    const retry = stuckSent + faceEngineAnswerMsMax + 1_000;
    clock.restarted(retry);
    expect(clock.hung(retry)).toBe(false);
    expect(clock.hung(retry + faceEngineAnswerMsMax)).toBe(true);
    // Try again once more, the same frame still unanswered: it has had its fresh limit, hung at once.
    const again = retry + faceEngineAnswerMsMax + 1_000;
    clock.restarted(again);
    expect(clock.hung(again)).toBe(true);
  });

  it('takes a face read from a still (the station ID photo) as warming the engine', () => {
    const t0 = Math.floor(performance.now());
    const clock = new UnansweredFrame();
    clock.restarted(t0);
    expect(clock.limitMs()).toBe(faceEngineFirstFaceAnswerMsMax);
    clock.warmed();
    expect(clock.limitMs()).toBe(faceEngineAnswerMsMax);
    clock.sent(t0);
    expect(clock.hung(at(t0, faceEngineAnswerMsMax))).toBe(true);
  });
});
