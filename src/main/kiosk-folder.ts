// The kiosk's data folder (kiosk.json, its keys folder, enrolment log and frames) is read by nobody else:
// made 0700 by whoever sets a kiosk up, and refused at start while group or others may enter it.
import { chmod, lstat, mkdir, stat } from 'node:fs/promises';

const groupOrOtherBits = 0o077;

/**
 * Why the folder holding the kiosk's config is no private folder (a sentence with the chmod to run), or
 * null when only its owner may enter it. Read through a link, as the config file itself is.
 */
export async function kioskFolderProblem(dir: string): Promise<string | null> {
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & groupOrOtherBits) === 0) return null;
  return (
    `its folder ${dir} must be mode 0700 (it holds the kiosk's keys, config and state files), ` +
    `not 0${mode.toString(8)}: chmod 700 ${dir}`
  );
}

/**
 * Makes `dir` (and any missing parent) 0700, and tightens an existing one of this user's that group or
 * others may enter: a set-up writes the kiosk's secrets into it next. Refuses a link or a non-folder.
 */
export async function ensurePrivateKioskFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stats = await lstat(dir);
  if (!stats.isDirectory()) throw new Error(`${dir} must be a folder, not a link or a file`);
  if (process.getuid !== undefined && stats.uid !== process.getuid()) {
    throw new Error(
      `${dir} must be owned by this user (uid ${process.getuid()}), not uid ${stats.uid}`,
    );
  }
  if ((stats.mode & groupOrOtherBits) !== 0) await chmod(dir, 0o700);
}
