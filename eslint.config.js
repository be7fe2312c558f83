// Lint rules, including the process boundaries of DESIGN.md: shared code imports nothing from Node,
// the DOM or Electron, the renderer never imports main or hub code, only the two Electron entries import electron.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Flat config keeps only the last matching block's options for a rule, so one block would silently
// replace another's (a *.dom.ts file in the renderer lost the renderer's rules that way). Each block
// below therefore lists every restriction of its file class: folder, file suffix and the electron rule.

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const builtins = builtinModules.filter((name) => !name.startsWith('_')).map(escape);
const noNode = (message) => ({
  regex: `^(node:.*|(${builtins.join('|')})(/.*)?)$`,
  message,
});
const noElectron = {
  regex: '^electron(/.*)?$',
  message:
    'only src/main/electron/main.electron.ts and src/preload/preload.ts import electron; keep the rest testable in Node.',
};
const nodeOnlyPackages = (message) => ({
  group: [
    '**/*.node.ts',
    'sharp',
    'better-sqlite3',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node/**',
  ],
  message,
});

/** Restrictions of each folder (the electron rule is added to every block but the two entries). */
const folderRules = {
  'src/shared': [
    noNode('src/shared is pure TypeScript: no Node.'),
    {
      group: ['react', 'react/**', 'react-dom', 'react-dom/**'],
      message: 'src/shared has no UI or Electron.',
    },
    {
      group: ['**/hub/**', '**/main/**', '**/renderer/**', '**/preload/**', '**/biometrics/**'],
      message: 'src/shared imports nothing above it.',
    },
  ],
  'src/renderer': [
    noNode('the renderer has no Node.'),
    nodeOnlyPackages('the renderer runs in a browser page: no Node-only code.'),
    {
      group: ['**/main/**', '**/hub/**', '**/preload/**'],
      message: 'the renderer talks to main only through the preload API (window.facepayKiosk).',
    },
  ],
  'src/preload': [
    noNode('a sandboxed preload has no Node: only electron and src/shared, bundled into one file.'),
    {
      group: ['**/main/**', '**/hub/**', '**/renderer/**', '**/biometrics/**'],
      message: 'the preload bridges to main over IPC; it imports only src/shared.',
    },
  ],
  'src/hub': [
    {
      group: ['react', 'react/**', 'react-dom', 'react-dom/**'],
      message: 'the hub is a Node service.',
    },
    {
      group: ['**/main/**', '**/renderer/**', '**/preload/**'],
      message: 'the hub is a Node service.',
    },
  ],
  'src/main': [],
  'src/biometrics': [],
  scripts: [],
};

const suffixRules = {
  dom: [
    noNode('a *.dom.ts module runs in a browser page: no Node.'),
    nodeOnlyPackages('a *.dom.ts module cannot use Node-only code.'),
  ],
  node: [
    {
      group: ['**/*.dom.ts', '**/*.dom.tsx'],
      message: 'Node code cannot load browser-only modules.',
    },
  ],
};

const electronEntries = ['src/main/electron/main.electron.ts', 'src/preload/preload.ts'];

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});
const suffixFiles = (prefix, suffix) => [
  `${prefix}/**/*.${suffix}.ts`,
  `${prefix}/**/*.${suffix}.tsx`,
];

const boundaryBlocks = [
  // Everywhere in src/ and scripts/: no electron.
  { files: ['src/**', 'scripts/**'], rules: restrict([noElectron]) },
  // *.dom.ts / *.node.ts in a folder without rules of its own.
  ...Object.entries(suffixRules).map(([suffix, rules]) => ({
    files: suffixFiles('src', suffix),
    rules: restrict([...rules, noElectron]),
  })),
  // Each folder, then each folder's *.dom.ts and *.node.ts with both sets.
  ...Object.entries(folderRules).map(([folder, rules]) => ({
    files: [`${folder}/**`],
    rules: restrict([...rules, noElectron]),
  })),
  ...Object.entries(folderRules).flatMap(([folder, rules]) =>
    Object.entries(suffixRules).map(([suffix, more]) => ({
      files: suffixFiles(folder, suffix),
      rules: restrict([...rules, ...more, noElectron]),
    })),
  ),
  // The two Electron entries: their folder's rules without the electron one.
  ...electronEntries.map((file) => ({
    files: [file],
    rules: restrict(folderRules[file.split('/').slice(0, 2).join('/')]),
  })),
  // The renderer's Vite config runs in Node at build time; it is not part of the page.
  { files: ['src/renderer/vite.config.ts'], rules: restrict([noElectron]) },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'models/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only']", message: 'no focused tests' },
        { selector: "CallExpression[callee.property.name='skip']", message: 'no skipped tests' },
      ],
    },
  },
  { files: ['src/shared/**'], languageOptions: { globals: {} } },
  {
    files: ['src/renderer/**', 'src/**/*.dom.ts', 'src/**/*.dom.tsx'],
    languageOptions: { globals: { ...globals.browser } },
  },
  ...boundaryBlocks,
);
