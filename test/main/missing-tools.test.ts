// A machine without ffmpeg or Chromium: the demo, npm start and the tests say which Debian package to
// install, instead of failing later with "cannot read it" or a spawn error.
import { afterEach, describe, expect, it } from 'vitest';
import { MissingToolError, requireTool } from '../../scripts/kiosk/camera-clip.ts';

const saved = { path: process.env['PATH'], chromium: process.env['FACEPAY_CHROMIUM'] };

afterEach(() => {
  process.env['PATH'] = saved.path;
  if (saved.chromium === undefined) delete process.env['FACEPAY_CHROMIUM'];
  else process.env['FACEPAY_CHROMIUM'] = saved.chromium;
});

describe('missing tools', () => {
  it('names the ffmpeg package when ffmpeg is not on PATH', async () => {
    process.env['PATH'] = '/nonexistent-facepay-path';
    const error = await requireTool('ffmpeg').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingToolError);
    expect(String((error as Error).message)).toContain('apt-get install -y ffmpeg');
  });

  it('names the chromium package when Chromium is not installed', async () => {
    process.env['FACEPAY_CHROMIUM'] = '/nonexistent-facepay-path/chromium';
    const error = await requireTool('chromium').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingToolError);
    expect(String((error as Error).message)).toContain('apt-get install -y chromium');
  });

  it('passes when the tools are there', async () => {
    await expect(requireTool('ffmpeg')).resolves.toBeUndefined();
    await expect(requireTool('chromium')).resolves.toBeUndefined();
  });
});
