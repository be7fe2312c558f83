// Lint rules, including the process boundaries of DESIGN.md: shared code imports nothing from Node,
// the DOM or Electron, and the renderer never imports main or hub code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'http', 'net'];

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
  {
    files: ['src/shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'src/shared is pure TypeScript: no Node.' },
            {
              group: ['electron', 'react', 'react-dom'],
              message: 'src/shared has no UI or Electron.',
            },
            {
              group: [
                '**/hub/**',
                '**/main/**',
                '**/renderer/**',
                '**/preload/**',
                '**/biometrics/**',
              ],
              message: 'src/shared imports nothing above it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'the renderer has no Node.' },
            {
              group: ['electron', '**/main/**', '**/hub/**', '**/preload/**'],
              message: 'the renderer talks to main only through the preload API.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.dom.ts', 'src/**/*.dom.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'a *.dom.ts module runs in a browser page: no Node.' },
            {
              group: [
                '**/*.node.ts',
                'sharp',
                'better-sqlite3',
                '@tensorflow/tfjs-node',
                'electron',
              ],
              message: 'a *.dom.ts module cannot use Node-only code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.node.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/*.dom.ts', '**/*.dom.tsx'],
              message: 'Node code cannot load browser-only modules.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/hub/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'react', '**/main/**', '**/renderer/**', '**/preload/**'],
              message: 'the hub is a Node service.',
            },
          ],
        },
      ],
    },
  },
);
