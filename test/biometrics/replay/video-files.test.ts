// One list of video containers for every evaluation tool: the webcam set's .3gp phone clip included.
import { describe, expect, it } from 'vitest';
import { isVideoFile } from '../../../src/biometrics/replay/video-files.ts';

describe('video files the evaluation tools read', () => {
  it('reads every container of ../shared/data/video, in any letter case', () => {
    for (const name of ['a.mp4', 'b.MOV', 'c.webm', 'd.mkv', 'e.avi', 'selfie_61dc1abd-4.3gp']) {
      expect(isVideoFile(name)).toBe(true);
    }
  });

  it('passes over images, manifests and names without an extension', () => {
    for (const name of ['manifest.csv', 'photo.jpg', 'mp4', 'clip.mp4.txt', '']) {
      expect(isVideoFile(name)).toBe(false);
    }
  });
});
