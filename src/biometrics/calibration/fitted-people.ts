// Who a calibration was fitted on, by person rather than by image file: a re-encoded copy, a new frame or
// a crop of another set of a fitted person is still that person, and a figure measured on them is in
// sample. People are keyed by dataset and person (`nuaa:0001`), with the links ../shared/data/README.md
// gives across its folders:
// - faces/nuaa_client_NNNN, spoof/{real,print}/nuaa_NNNN_*.jpg: NUAA subject NNNN (`nuaa:NNNN`);
// - faces2/selfie_X and video/webcam/selfie_X-n.*: the same vendor person (`selfie:X`);
// - faces2/selfie_61dc1b5f and selfie_61dc1b75 may be the same woman: either counts as the other;
// - pad/<set> and video/pairs/<set>: the camera-and-person of that set (`pad:<set>`), in no faces folder;
// - spoof/*/silentface_*: the Silent-Face samples (`silentface`), in no faces folder.
// Any other identity folder `<prefix>_<rest>` is `<prefix>:<rest>` (faces/ and faces2/ names are unique
// across both folders: `orl_s01` -> `orl:s01`).

/** Whether the people of a figure chose the threshold: `unknown` when the record does not say who did. */
export type SampleKind = 'out-of-sample' | 'in-sample' | 'mixed' | 'unknown';

/** The person key of an identity folder of the faces/ layout (`nuaa_client_0001` -> `nuaa:0001`). */
export function personKeyOfIdentity(identity: string): string {
  const nuaa = /^nuaa_(?:client_)?(\d{4})$/.exec(identity);
  if (nuaa !== null) return `nuaa:${nuaa[1] ?? ''}`;
  const qualified = /^([A-Za-z0-9]+)_(.+)$/.exec(identity);
  return qualified === null ? identity : `${qualified[1] ?? ''}:${qualified[2] ?? ''}`;
}

/**
 * The person key of a file under ../shared/data (`faces/nuaa_client_0001/1.jpg`,
 * `spoof/real/nuaa_0001_00_00_01_0.jpg`, `video/webcam/selfie_61dc1abd-4.3gp`), or null when the data
 * does not say who it shows (video/live, video/replay: unlabelled vendor people).
 */
export function personKeyOfDataFile(file: string): string | null {
  const parts = file.split(/[\\/]/).filter((part) => part !== '' && part !== '.');
  const [top, second, name] = parts;
  if (top === undefined || second === undefined) return null;
  if ((top === 'faces' || top === 'faces2') && parts.length >= 3)
    return personKeyOfIdentity(second);
  if (top === 'spoof' && name !== undefined) {
    const nuaa = /^nuaa_(\d{4})_/.exec(name);
    if (nuaa !== null) return `nuaa:${nuaa[1] ?? ''}`;
    if (name.startsWith('silentface_')) return 'silentface';
    return null;
  }
  if (top === 'pad' && parts.length >= 3) return `pad:${second}`;
  if (top === 'video') {
    if (second === 'pairs' && name !== undefined && parts.length >= 4) return `pad:${name}`;
    if (second === 'webcam' && name !== undefined) {
      const selfie = /^(selfie_[0-9a-f]+)-\d+\.[A-Za-z0-9]+$/.exec(name);
      return selfie === null ? null : personKeyOfIdentity(selfie[1] ?? '');
    }
    if (second === 'talking-face.mp4') return 'video:talking-face';
  }
  return null;
}

/** People the data links as possibly one person: a fit on either is a fit on both. */
export const linkedPeople: readonly (readonly string[])[] = [
  ['selfie:61dc1b5f', 'selfie:61dc1b75'],
];

/** The people of calibration images (`<root>/<identity>/<n>.jpg`, as calibrate's loadPairs names them),
 * sorted. */
export function fittedPeopleOf(images: readonly string[]): string[] {
  const people = new Set<string>();
  for (const image of images) {
    const parts = image.split(/[\\/]/);
    const identity = parts[1];
    if (parts.length !== 3 || identity === undefined || identity === '')
      throw new Error(`${image}: not <root>/<identity>/<n>.jpg`);
    people.add(personKeyOfIdentity(identity));
  }
  return [...people].sort();
}

/** Whether a person (key) is one of the fitted people, or linked to one. */
export function isFittedPerson(person: string, fitted: ReadonlySet<string>): boolean {
  if (fitted.has(person)) return true;
  return linkedPeople.some(
    (group) => group.includes(person) && group.some((mate) => fitted.has(mate)),
  );
}

/**
 * The person of an image of an evaluation root: `<identity>/<n>.jpg` (the faces/ layout), or a path
 * under ../shared/data itself (`faces2/selfie_X/1.jpg`, `spoof/real/nuaa_0001_...jpg`).
 */
export function personKeyOfEvalImage(image: string): string {
  const fromData = personKeyOfDataFile(image);
  if (fromData !== null) return fromData;
  const identity = image.split(/[\\/]/)[0] ?? image;
  return personKeyOfIdentity(identity);
}

/** One pair's kind: in sample when an image was a calibration image (by hash) or shows a fitted person. */
export function pairSample(
  images: readonly [string, string],
  calibration: {
    /** sha256 prefixes (16 hex digits) of the calibration images. */
    readonly imageSha256Prefixes: ReadonlySet<string>;
    /** The fitted people, or null when the record does not list them (older records). */
    readonly fittedPeople: ReadonlySet<string> | null;
  },
  sha256Of: (image: string) => string | undefined,
): Exclude<SampleKind, 'mixed'> {
  const byHash = images.some((image) =>
    calibration.imageSha256Prefixes.has((sha256Of(image) ?? '').slice(0, 16)),
  );
  if (byHash) return 'in-sample';
  const fitted = calibration.fittedPeople;
  if (fitted === null) return 'unknown';
  return images.some((image) => isFittedPerson(personKeyOfEvalImage(image), fitted))
    ? 'in-sample'
    : 'out-of-sample';
}

/** A subset's kind from its pairs' kinds: one kind throughout, `mixed` (in and out), else `unknown`. */
export function subsetSample(counts: {
  readonly inSample: number;
  readonly outOfSample: number;
  readonly unknown: number;
}): SampleKind {
  const { inSample, outOfSample, unknown } = counts;
  if (inSample + outOfSample + unknown === 0) return 'unknown';
  if (unknown === 0 && outOfSample === 0) return 'in-sample';
  if (unknown === 0 && inSample === 0) return 'out-of-sample';
  if (unknown === 0) return 'mixed';
  return 'unknown';
}
