// The app:// file server's path resolution and the kiosk's launch options: every URL lands inside its
// mount or is refused, and the packaged layout and --config handling are what main.electron.ts expects.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppMount } from '../../src/main/electron/app-files.ts';
import { resolveAppFile } from '../../src/main/electron/app-files.ts';
import { appLayout, kioskConfigPath } from '../../src/main/electron/launch.ts';

const root = path.resolve('/opt/kiosk/resources/app.asar');
const mounts: AppMount[] = [
  { urlPrefix: '/', dir: path.join(root, 'dist/renderer') },
  { urlPrefix: '/models/', dir: path.join(root, 'models'), extensions: ['.json', '.bin'] },
  { urlPrefix: '/wasm/', dir: path.join(root, 'wasm'), extensions: ['.wasm'] },
];

function fileOf(url: string): string {
  const answer = resolveAppFile(mounts, url);
  if (!answer.ok) throw new Error(`${url} refused: ${answer.reason}`);
  return answer.file;
}

describe('resolveAppFile', () => {
  it('serves the renderer, the models and the wasm from their own folders with their types', () => {
    expect(fileOf('app://kiosk/')).toBe(path.join(root, 'dist/renderer/index.html'));
    expect(fileOf('app://kiosk/assets/index-Ab12.js?v=1#x')).toBe(
      path.join(root, 'dist/renderer/assets/index-Ab12.js'),
    );
    expect(fileOf('app://kiosk/models/manifest.json')).toBe(
      path.join(root, 'models/manifest.json'),
    );
    expect(fileOf('app://kiosk/wasm/tfjs-backend-wasm-simd.wasm')).toBe(
      path.join(root, 'wasm/tfjs-backend-wasm-simd.wasm'),
    );
    expect(resolveAppFile(mounts, 'app://kiosk/wasm/tfjs-backend-wasm.wasm')).toMatchObject({
      contentType: 'application/wasm',
    });
    expect(resolveAppFile(mounts, 'app://kiosk/index.html')).toMatchObject({
      contentType: 'text/html; charset=utf-8',
    });
    expect(fileOf('app://kiosk/assets/caf%C3%A9%20logo.png')).toBe(
      path.join(root, 'dist/renderer/assets/café logo.png'),
    );
  });

  it('never leaves its mount, however the path is spelled', () => {
    const attempts = [
      'app://kiosk/../../etc/passwd.json',
      'app://kiosk/%2e%2e/%2e%2e/etc/passwd.json',
      'app://kiosk/assets/..%2f..%2f..%2fetc%2fpasswd.json',
      'app://kiosk/assets/..%5c..%5cwindows%5cwin.ini.txt',
      'app://kiosk/assets\\..\\..\\secret.json',
      'app://kiosk/models/..%2fpackage.json',
      'app://kiosk/%2fetc%2fpasswd.json',
      'app://kiosk/assets/a%00.js',
      'app://kiosk/C:%5cWindows%5cwin.ini.txt',
      'app://kiosk//etc/passwd.json',
    ];
    for (const url of attempts) {
      const answer = resolveAppFile(mounts, url);
      if (answer.ok) {
        // The URL parser may fold "../" away before we see it; then the file must still be inside.
        const inside = mounts.some(
          (mount) => !path.relative(mount.dir, answer.file).startsWith('..'),
        );
        expect(inside, `${url} -> ${answer.file}`).toBe(true);
      } else {
        expect([400, 404], url).toContain(answer.status);
      }
    }
    expect(resolveAppFile(mounts, 'app://kiosk/assets/..%2f..%2fmain%2fmain.js').ok).toBe(false);
    expect(resolveAppFile(mounts, 'app://kiosk/models/..%2f..%2fpackage.json').ok).toBe(false);
  });

  it('refuses other origins, dotfiles, unknown types and types a mount does not serve', () => {
    const refused = [
      'https://kiosk/index.html',
      'app://other/index.html',
      'app://kiosk:81/index.html',
      'app://user:pw@kiosk/index.html',
      'app://kiosk/.env.json',
      'app://kiosk/assets/.hidden/x.js',
      'app://kiosk/main.ts',
      'app://kiosk/Makefile',
      'app://kiosk/models/evil.js',
      'app://kiosk/wasm/tfjs-backend-wasm.js',
      'app://kiosk/models/',
      'app://kiosk/assets/%E0%A4%A.js',
      'not a url',
    ];
    for (const url of refused) expect(resolveAppFile(mounts, url).ok, url).toBe(false);
  });

  it('picks the longest matching mount', () => {
    expect(fileOf('app://kiosk/models/blazeface.bin')).toBe(
      path.join(root, 'models/blazeface.bin'),
    );
    expect(fileOf('app://kiosk/modelsx/a.json')).toBe(
      path.join(root, 'dist/renderer/modelsx/a.json'),
    );
  });

  it('refuses a mount table that is not absolute folders under /-delimited prefixes', () => {
    expect(() => resolveAppFile([{ urlPrefix: 'x/', dir: root }], 'app://kiosk/x/a.js')).toThrow();
    expect(() =>
      resolveAppFile([{ urlPrefix: '/', dir: 'relative' }], 'app://kiosk/a.js'),
    ).toThrow();
  });
});

describe('appLayout', () => {
  it('finds the preload, renderer, models and wasm from the main bundle folder', () => {
    const layout = appLayout(path.join(root, 'dist', 'main'));
    expect(layout.appRoot).toBe(root);
    expect(layout.preloadFile).toBe(path.join(root, 'dist/preload/preload.cjs'));
    expect(layout.mounts).toStrictEqual([
      { urlPrefix: '/', dir: path.join(root, 'dist/renderer') },
      { urlPrefix: '/models/', dir: path.join(root, 'models'), extensions: ['.json', '.bin'] },
      {
        urlPrefix: '/wasm/',
        dir: path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
        extensions: ['.wasm'],
      },
    ]);
  });
});

describe('kioskConfigPath', () => {
  it('reads --config FILE, --config=FILE, then FACEPAY_KIOSK_CONFIG', () => {
    expect(kioskConfigPath(['electron', '.', '--config', 'k.json'], {})).toBe('k.json');
    expect(kioskConfigPath(['/opt/kiosk/facepay', '--config=/etc/k.json'], {})).toBe('/etc/k.json');
    expect(kioskConfigPath(['electron', '.'], { FACEPAY_KIOSK_CONFIG: '/srv/k.json' })).toBe(
      '/srv/k.json',
    );
    expect(
      kioskConfigPath(['electron', '.', '--config', 'a.json'], { FACEPAY_KIOSK_CONFIG: 'b.json' }),
    ).toBe('a.json');
    expect(kioskConfigPath(['electron', '.'], { FACEPAY_KIOSK_CONFIG: '' })).toBeNull();
    expect(kioskConfigPath(['electron', '.'], {})).toBeNull();
  });

  it('refuses --config without a file', () => {
    expect(() => kioskConfigPath(['electron', '.', '--config'], {})).toThrow(/needs a file/);
    expect(() => kioskConfigPath(['electron', '.', '--config', '--x'], {})).toThrow(/needs a file/);
    expect(() => kioskConfigPath(['electron', '.', '--config='], {})).toThrow(/needs a file/);
  });
});
