// Proves each process boundary of eslint.config.js fires: fixture snippets linted as if they lived at a
// given path must be refused by no-restricted-imports (and a clean one passes), so a config edit that
// lets one block replace another's rules (as *.dom.ts once did for the renderer) fails here.
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

/** The no-restricted-imports messages for `code` linted as the file at `file` (repo-relative). */
async function restrictedImports(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  if (result === undefined) throw new Error(`no lint result for ${file}`);
  const fatal = result.messages.filter((message) => message.fatal === true);
  if (fatal.length > 0) throw new Error(`${file}: ${fatal[0]?.message}`);
  return result.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

const use = (specifier: string) => `import * as m from '${specifier}';\nexport const x = m;\n`;

const refused: { file: string; specifier: string; says: RegExp }[] = [
  { file: 'src/renderer/x.ts', specifier: 'node:fs', says: /renderer has no Node/ },
  { file: 'src/renderer/x.ts', specifier: 'fs/promises', says: /renderer has no Node/ },
  { file: 'src/renderer/x.tsx', specifier: 'worker_threads', says: /renderer has no Node/ },
  { file: 'src/renderer/x.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/renderer/x.ts', specifier: '../main/kiosk-config.ts', says: /preload API/ },
  {
    file: 'src/renderer/screens/x.tsx',
    specifier: '../../main/kiosk-runtime.ts',
    says: /preload API/,
  },
  { file: 'src/renderer/x.dom.ts', specifier: '../hub/hub.ts', says: /preload API/ },
  { file: 'src/renderer/x.dom.ts', specifier: 'node:path', says: /no Node/ },
  { file: 'src/renderer/x.dom.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/renderer/x.ts', specifier: '../preload/preload.ts', says: /preload API/ },
  { file: 'src/renderer/x.ts', specifier: '../biometrics/engine.node.ts', says: /Node-only/ },
  { file: 'src/renderer/x.ts', specifier: 'sharp', says: /Node-only/ },
  { file: 'src/shared/x.ts', specifier: 'node:crypto', says: /src\/shared is pure TypeScript/ },
  { file: 'src/shared/x.ts', specifier: 'path', says: /src\/shared is pure TypeScript/ },
  { file: 'src/shared/x.ts', specifier: 'react', says: /no UI/ },
  { file: 'src/shared/x.ts', specifier: 'react-dom/client', says: /no UI/ },
  { file: 'src/shared/x.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/shared/x.ts', specifier: '../main/kiosk-config.ts', says: /nothing above it/ },
  { file: 'src/main/other.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/main/electron/window-policy.ts', specifier: 'electron', says: /only/ },
  { file: 'src/main/x.node.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/biometrics/x.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/biometrics/x.dom.ts', specifier: 'electron/renderer', says: /only/ },
  { file: 'src/biometrics/x.dom.ts', specifier: 'node:fs', says: /browser page: no Node/ },
  { file: 'src/biometrics/x.dom.ts', specifier: './engine.node.ts', says: /Node-only/ },
  { file: 'src/biometrics/x.node.ts', specifier: './engine.dom.ts', says: /browser-only/ },
  { file: 'src/hub/x.ts', specifier: 'react', says: /hub is a Node service/ },
  { file: 'src/hub/x.ts', specifier: '../main/kiosk-service.ts', says: /hub is a Node service/ },
  { file: 'src/hub/x.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/preload/x.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
  { file: 'src/preload/preload.ts', specifier: 'node:fs', says: /sandboxed preload has no Node/ },
  {
    file: 'src/preload/preload.ts',
    specifier: '../main/kiosk-config.ts',
    says: /only src\/shared/,
  },
  { file: 'scripts/x.ts', specifier: 'electron', says: /only .*main\.electron\.ts/ },
];

describe('import boundaries', () => {
  it.each(refused)('$file may not import $specifier', async ({ file, specifier, says }) => {
    const messages = await restrictedImports(file, use(specifier));
    expect(messages.length, `${file} -> ${specifier}`).toBeGreaterThan(0);
    expect(messages.join('\n')).toMatch(says);
  });

  const allowed: { file: string; specifier: string }[] = [
    { file: 'src/main/electron/main.electron.ts', specifier: 'electron' },
    { file: 'src/main/electron/main.electron.ts', specifier: 'node:path' },
    { file: 'src/preload/preload.ts', specifier: 'electron' },
    { file: 'src/preload/preload.ts', specifier: '../shared/kiosk-api.ts' },
    { file: 'src/renderer/x.tsx', specifier: 'react' },
    { file: 'src/renderer/x.ts', specifier: '../shared/kiosk-api.ts' },
    { file: 'src/renderer/x.ts', specifier: '../biometrics/engine.dom.ts' },
    { file: 'src/renderer/x.dom.ts', specifier: '../shared/kiosk-bridge.ts' },
    { file: 'src/renderer/vite.config.ts', specifier: 'node:path' },
    { file: 'src/main/kiosk-service.ts', specifier: 'node:crypto' },
    { file: 'src/main/hub-link.ts', specifier: '../biometrics/protect/kiosk-protect.ts' },
    { file: 'src/hub/x.ts', specifier: 'node:fs' },
    { file: 'src/shared/x.ts', specifier: 'zod' },
    { file: 'scripts/x.ts', specifier: 'node:child_process' },
  ];

  it.each(allowed)('$file may import $specifier', async ({ file, specifier }) => {
    expect(await restrictedImports(file, use(specifier))).toStrictEqual([]);
  });

  it('checks type-only imports and re-exports too', async () => {
    expect(
      await restrictedImports(
        'src/renderer/x.ts',
        "import type { App } from 'electron';\nexport type A = App;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImports('src/shared/x.ts', "export { z } from 'node:zlib';\n"),
    ).toHaveLength(1);
  });
});
