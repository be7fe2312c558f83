// The identity-disjoint train / held-out split of the spoof data, kept in code so the reported error
// rates can be reproduced and no held-out person ever reaches the training of the detector.
import { assert } from '../../shared/assert.ts';

export type PadClass = 'real' | 'print' | 'screen';
export type PadSplit = 'train' | 'test';

export interface PadSample {
  /** File name inside spoof/<class>/. */
  readonly file: string;
  readonly padClass: PadClass;
  /** NUAA subject id ("0007"), or "silentface" for the Silent-Face samples. */
  readonly subject: string;
  /** NUAA session ("01".."03"): different days, places and lighting. */
  readonly session: string;
  readonly split: PadSplit;
}

/**
 * Held-out NUAA subjects: both bona fide and print images of each, and together they cover all three
 * sessions. Every other NUAA subject trains. The Silent-Face samples (another camera, another
 * database, the only screen attack) are never trained on: they measure cross-database behaviour.
 */
export const heldOutSubjects: readonly string[] = ['0003', '0009', '0011'];

// nuaa_<subject>_<glasses>_<position>_<session>_<frame>.jpg
const nuaaName = /^nuaa_(\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d+)\.jpg$/;
const silentFaceName = /^silentface_[A-Za-z0-9_]+\.jpg$/;

export function describeSample(file: string, padClass: PadClass): PadSample | null {
  const m = nuaaName.exec(file);
  if (m !== null) {
    const subject = m[1];
    const session = m[4];
    assert(subject !== undefined && session !== undefined, 'regex groups');
    const split: PadSplit = heldOutSubjects.includes(subject) ? 'test' : 'train';
    return { file, padClass, subject, session, split };
  }
  if (silentFaceName.test(file))
    return { file, padClass, subject: 'silentface', session: 'silentface', split: 'test' };
  return null;
}

/** Recordings under these folders of shared/data measure the detector (eval:liveness): never trained on. */
export const testRecordingDirs: readonly string[] = ['video/live', 'video/replay'];

/**
 * Throws when `file` lies inside one of the test recording folders of `dataRoot` (shared/data). Both
 * paths must be absolute and normalised by the caller (the module stays free of Node's path).
 */
export function assertTrainableRecording(file: string, dataRoot: string): void {
  const root = dataRoot.endsWith('/') ? dataRoot : `${dataRoot}/`;
  for (const dir of testRecordingDirs) {
    const held = `${root}${dir}/`;
    assert(!file.startsWith(held), `${file}: a test recording (${dir}) cannot train`);
  }
}
