// Labelled video clips the passive detector may learn from: shared/data's live/replay pairs and photo
// attacks made with ffmpeg (a print or a web photo moved in front of a camera), each in the group of the
// person or camera it shares with the rest of the corpus, so leave-one-group-out holds them out together.
//
// Not video/live or video/replay (they measure the detector, pad-split.ts), nor selfie_61dc1abd's clips
// (the kiosk's unseen webcam check).
import { access, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { makeAttackClip } from '../replay/attack-clips.node.ts';
import type { LiveRecording } from './pad-corpus.node.ts';

/** The photos held up as attacks (as eval:liveness makes them), with the corpus group each shares. */
export const padAttackPhotos: readonly { readonly file: string; readonly group: string }[] = [
  { file: 'spoof/print/nuaa_0001_00_00_01_0.jpg', group: 'nuaa:0001' },
  { file: 'spoof/print/nuaa_0003_01_00_01_6.jpg', group: 'nuaa:0003' },
  { file: 'spoof/print/nuaa_0005_00_00_01_8.jpg', group: 'nuaa:0005' },
  { file: 'spoof/print/nuaa_0009_01_00_01_11.jpg', group: 'nuaa:0009' },
  { file: 'spoof/print/silentface_F1_printed.jpg', group: 'silentface' },
  { file: 'faces/deepface_01/1.jpg', group: 'faces:deepface_01' },
  { file: 'faces/deepface_03/1.jpg', group: 'faces:deepface_03' },
];

export const padAttackMotions = ['pan-zoom', 'card-turn'] as const;

/** The clip's stem: folder and photo name, so two photos called 1.jpg do not collide. */
export function attackClipStem(photo: string, motion: string): string {
  return `${path.basename(path.dirname(photo))}-${path.basename(photo, path.extname(photo))}-${motion}`;
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

/** Makes each photo attack clip once under cacheDir; returns them as labelled recordings. */
export async function padAttackClipRecordings(
  dataRoot: string,
  cacheDir: string,
): Promise<LiveRecording[]> {
  const dir = path.join(cacheDir, 'pad-attack-clips');
  await mkdir(dir, { recursive: true });
  const out: LiveRecording[] = [];
  for (const photo of padAttackPhotos) {
    for (const motion of padAttackMotions) {
      const file = path.join(dir, `${attackClipStem(photo.file, motion)}.mp4`);
      if (!(await exists(file))) {
        // Written aside and renamed: an interrupted run leaves no half clip to train on.
        const partial = `${file}.partial.mp4`;
        await makeAttackClip({
          photo: path.join(dataRoot, photo.file),
          output: partial,
          motion,
          frames: 150,
          framesPerSecond: 25,
          side: 480,
        });
        await rename(partial, file);
      }
      out.push({
        file,
        group: photo.group,
        fps: 2,
        frames: 12,
        label: { live: false, species: 'photo-clip' },
      });
    }
  }
  return out;
}

/** video/pairs: each set's live clip and its replay, in the group of its pad/ set when there is one. */
export async function padPairRecordings(dataRoot: string): Promise<LiveRecording[]> {
  const pairs = path.join(dataRoot, 'video', 'pairs');
  const sets = (await readdir(pairs, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const out: LiveRecording[] = [];
  for (const set of sets) {
    const group = (await exists(path.join(dataRoot, 'pad', set))) ? `pad:${set}` : `video:${set}`;
    for (const name of (await readdir(path.join(pairs, set))).sort()) {
      if (!/^(live|attack)\.[a-z0-9]+$/i.test(name)) continue;
      const live = name.startsWith('live');
      out.push({
        file: path.join('video', 'pairs', set, name),
        group,
        fps: 4,
        frames: 24,
        label: { live, species: live ? null : 'replay' },
      });
    }
  }
  return out;
}
