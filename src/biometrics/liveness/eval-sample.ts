// Whether an eval:liveness clip is in or out of sample for the decision it measures: the passive PAD model
// (trained on some people's and cameras' clips: its model file lists the training groups) and the natural-
// motion and challenge bounds (set by hand on eval:liveness's own clips, see motionBoundSources). A clip is
// out of sample only when neither was fitted on its person or on it; in sample when either was; unknown
// when the data does not say who a clip shows or the model does not list its training groups.
import { personKeyOfDataFile } from '../calibration/fitted-people.ts';

export type ClipSample = 'in-sample' | 'out-of-sample' | 'unknown';

/**
 * Folders under ../shared/data whose clips set the motion and challenge bounds: the live selfie videos and
 * their replays (decision.ts parallaxMin, blink.ts, active/challenge.ts turn and look bounds), and the
 * webcam and pair clips (face-session.ts sessionParallaxMin). The photo-attack clips of every photo
 * eval:liveness holds up set them too (pad-clips.node.ts padAttackPhotos): callers add those photos.
 */
export const motionBoundFolders: readonly string[] = [
  'video/live/',
  'video/replay/',
  'video/webcam/',
  'video/pairs/',
];

/** Folders whose clips the PAD model is never trained on (pad-split.ts): their people are unlabelled. */
const padHeldOutFolders: readonly string[] = ['video/live/', 'video/replay/'];

export interface SampleBasis {
  /** The PAD model's training groups (`nuaa:0001`, `pad:jtboing`, `silentface`, `video:...`), or null
   * when its model file does not list them. */
  readonly padTrainingGroups: ReadonlySet<string> | null;
  /** Files and folders (ending in /) under ../shared/data whose clips set the motion and challenge
   * bounds. */
  readonly motionBoundSources: readonly string[];
}

export interface ClipSampleLabel {
  /** The decision's: in sample if either part is, out of sample only if both are. */
  readonly sample: ClipSample;
  readonly pad: ClipSample;
  readonly motionBounds: ClipSample;
}

/** The PAD corpus groups a file of ../shared/data could sit in (pad-corpus.node.ts, pad-clips.node.ts). */
export function padGroupsOf(dataFile: string): string[] {
  const parts = dataFile.split('/');
  const groups = new Set<string>();
  const person = personKeyOfDataFile(dataFile);
  if (person !== null) {
    groups.add(person);
    const selfie = /^selfie:([0-9a-f]+)$/.exec(person)?.[1];
    if (selfie !== undefined) {
      groups.add(`video:selfie_${selfie}`);
      if (selfie === '61dc1b5f' || selfie === '61dc1b75') groups.add('video:selfie_61dc1b5f+b75');
    }
    if (person.startsWith('pad:')) groups.add(`video:${person.slice('pad:'.length)}`);
  }
  // A photo held up as an attack: pad-clips.node.ts groups it by its folder (`faces:deepface_01`).
  if ((parts[0] === 'faces' || parts[0] === 'faces2') && parts.length >= 3)
    groups.add(`${parts[0]}:${parts[1] ?? ''}`);
  return [...groups].sort();
}

/**
 * The label of one clip, given the file under ../shared/data it shows (the clip itself, or for a photo
 * attack the photo it moves), or null for a clip from outside the data folder.
 */
export function clipSample(dataFile: string | null, basis: SampleBasis): ClipSampleLabel {
  const motionBounds: ClipSample =
    dataFile !== null &&
    basis.motionBoundSources.some((source) =>
      source.endsWith('/') ? dataFile.startsWith(source) : dataFile === source,
    )
      ? 'in-sample'
      : 'out-of-sample';
  const pad = padSample(dataFile, basis.padTrainingGroups);
  const sample: ClipSample =
    pad === 'in-sample' || motionBounds === 'in-sample'
      ? 'in-sample'
      : pad === 'out-of-sample' && motionBounds === 'out-of-sample'
        ? 'out-of-sample'
        : 'unknown';
  return { sample, pad, motionBounds };
}

function padSample(dataFile: string | null, training: ReadonlySet<string> | null): ClipSample {
  if (dataFile === null || training === null) return 'unknown';
  const groups = padGroupsOf(dataFile);
  if (groups.some((group) => training.has(group))) return 'in-sample';
  if (groups.length > 0) return 'out-of-sample';
  // Never trained on, by clip: pad-split.ts keeps these folders for measuring the detector.
  return padHeldOutFolders.some((folder) => dataFile.startsWith(folder))
    ? 'out-of-sample'
    : 'unknown';
}

/** The training groups a PAD model file lists (`training.groups`), or null when it lists none. */
export function padTrainingGroupsOf(model: unknown): Set<string> | null {
  if (typeof model !== 'object' || model === null) return null;
  const training: unknown = (model as { training?: unknown }).training;
  if (typeof training !== 'object' || training === null) return null;
  const groups: unknown = (training as { groups?: unknown }).groups;
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string')) return null;
  return new Set(groups);
}
