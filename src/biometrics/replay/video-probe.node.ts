// What a recording holds, read from its packets rather than its header: a browser's MediaRecorder
// writes no duration and a guessed frame rate, so the frame times come from the stream itself.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { replayVideoFramesMax, replayVideoSecondsMax } from '../../shared/limits.ts';

const execFileAsync = promisify(execFile);

export class ReplayInputError extends Error {
  override name = 'ReplayInputError';
}

export interface VideoProbe {
  /** Coded size; the picture is shown turned by `rotation` degrees (ffmpeg turns it when decoding). */
  readonly width: number;
  readonly height: number;
  readonly rotation: number;
  /** The container's start time: ffmpeg's -ss counts from it. */
  readonly startSeconds: number;
  /** Presentation time of each frame of the first video stream, in µs, ascending. */
  readonly frameTimesMicros: readonly number[];
}

interface StreamInfo {
  width?: number;
  height?: number;
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
}

export async function probeVideo(file: string): Promise<VideoProbe> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_streams', '-show_format'];
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ffprobe', [...args, '-of', 'json', file]));
  } catch (error) {
    throw new ReplayInputError(`${file}: ffprobe cannot read it`, { cause: error });
  }
  const info = JSON.parse(stdout) as {
    streams?: StreamInfo[];
    format?: { start_time?: string };
  };
  const stream = info.streams?.[0];
  if (stream?.width === undefined || stream.height === undefined)
    throw new ReplayInputError(`${file}: no video stream`);
  const rotation =
    stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ??
    Number(stream.tags?.rotate ?? 0);
  const start = Number(info.format?.start_time);
  const frameTimesMicros = await packetTimes(file);
  if (frameTimesMicros.length === 0) throw new ReplayInputError(`${file}: no timed video frames`);
  const spanMicros = (frameTimesMicros.at(-1) ?? 0) - (frameTimesMicros[0] ?? 0);
  if (spanMicros > replayVideoSecondsMax * 1e6)
    throw new ReplayInputError(`${file}: longer than ${replayVideoSecondsMax} s`);
  return {
    width: stream.width,
    height: stream.height,
    rotation: Number.isFinite(rotation) ? rotation : 0,
    startSeconds: Number.isFinite(start) ? start : 0,
    frameTimesMicros,
  };
}

// One line per packet ("pts_time,dts_time,flags"): demuxing only, no decoding, so a long file costs little.
const packetLine = /^(N\/A|-?\d+(?:\.\d+)?),(N\/A|-?\d+(?:\.\d+)?),([A-Z_]*)$/;

/**
 * The video packets' presentation times (decode time where a packet has none), sorted: packets come
 * in decode order, and a decoder gives one frame per packet, except packets flagged D (decoded, never
 * shown: what an edit list cuts off the front of a trimmed phone clip). Reads a little past the
 * longest recording the harness accepts, and at most replayVideoFramesMax packets.
 */
async function packetTimes(file: string): Promise<number[]> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-read_intervals'];
  args.push(`%+${replayVideoSecondsMax + 1}`, '-show_entries', 'packet=pts_time,dts_time,flags');
  const child = spawn('ffprobe', [...args, '-of', 'csv=p=0', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const times: number[] = [];
  let untimed = 0;
  let rest = '';
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const match = packetLine.exec(line.trim());
        if (match === null || match[3]?.includes('D') === true) continue;
        const seconds = Number(match[1] === 'N/A' ? match[2] : match[1]);
        if (Number.isFinite(seconds)) times.push(Math.round(seconds * 1e6));
        else untimed += 1;
      }
      if (times.length + untimed > replayVideoFramesMax)
        throw new ReplayInputError(`${file}: more than ${replayVideoFramesMax} video frames`);
    }
    const code = await exited;
    if (code !== 0)
      throw new ReplayInputError(`${file}: ffprobe failed (${code}): ${stderr.trim()}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  // A stream whose packets carry no times at all has no timeline to replay it on.
  if (untimed > 0 && times.length === 0)
    throw new ReplayInputError(`${file}: its video packets carry no timestamps`);
  return times.sort((a, b) => a - b);
}
