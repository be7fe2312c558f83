// The video containers the evaluation tools read (Debian's ffmpeg decodes each), in one list so no tool
// skips a clip the others read: eval:liveness and eval:pad once passed over the webcam set's .3gp clip.
const videoExtensions: ReadonlySet<string> = new Set([
  '.mp4',
  '.mov',
  '.webm',
  '.mkv',
  '.avi',
  '.3gp',
]);

/** Whether a file name ends in one of the video extensions (any letter case). */
export function isVideoFile(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && videoExtensions.has(name.slice(dot).toLowerCase());
}
