// eval:liveness holds one person's live clip and its replay out together: replay-02 shows live-03's woman, so
// a fold that holds out one of them must not fit its bounds on the other.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { videoGroup } from '../../scripts/eval-liveness-video.ts';

const video = path.resolve(import.meta.dirname, '../../../shared/data/video');

describe('eval:liveness video folds', () => {
  it('puts live-03 and its replay replay-02 in one fold, every other video in its own', () => {
    const live03 = videoGroup(path.join(video, 'live', 'live-03.mp4'));
    expect(videoGroup(path.join(video, 'replay', 'replay-02.mp4'))).toBe(live03);
    const others = ['live/live-01.mov', 'live/live-02.mov', 'replay/replay-01.mp4'].map((f) =>
      videoGroup(path.join(video, f)),
    );
    expect(new Set([live03, ...others]).size).toBe(4);
    expect(others[2]).toBe('replay/replay-01.mp4');
  });
});
