// Where `npm start` shows the kiosk: in Electron when its binary and a display are here (its main and
// preload built first, so a fresh clone or a pull never needs `npm run build`), else in the system Chromium
// as an app window, else headless; each fallback says why.
import type { ElectronBinary } from '../electron-available.ts';
import { buildElectronShell } from '../build.ts';

export type KioskWindow =
  | { kind: 'electron'; electronPath: string; mainFile: string }
  | { kind: 'chromium'; why: string }
  | { kind: 'headless'; why: string };

export async function chooseKioskWindow(options: {
  display: boolean;
  electron: ElectronBinary;
  chromiumFound: boolean;
  /** Where the Electron shell is built (dist/ for the app: dist/main/main.js loads dist/renderer). */
  distDir: string;
}): Promise<KioskWindow> {
  const { display, electron } = options;
  if (!display) {
    const also = electron.ok ? '' : `, and no Electron binary (${electron.reason})`;
    return { kind: 'headless', why: `no display${also}` };
  }
  let why: string;
  if (electron.ok) {
    try {
      // esbuild, under a second: built every start rather than trusting a dist/main of another checkout.
      const built = await buildElectronShell({ outDir: options.distDir });
      return { kind: 'electron', electronPath: electron.path, mainFile: built.mainFile };
    } catch (error) {
      why = `the Electron shell did not build (${error instanceof Error ? error.message : String(error)})`;
    }
  } else {
    why = `no Electron binary (${electron.reason})`;
  }
  return options.chromiumFound
    ? { kind: 'chromium', why }
    : { kind: 'headless', why: `${why}, and no system Chromium` };
}
