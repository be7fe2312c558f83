// Every CLI of the repo reads its command line one way: --help prints the usage and exits 0; a flag it
// does not know, or one that is not the command's, or a value that is not what it names (an empty port,
// a URL that is not one, a hex amount) is one line and the usage on stderr, exit 2, no stack, and nothing
// started.
import { describe, expect, it } from 'vitest';
import { runScript } from '../hub/process.ts';

const clis = [
  ['hub', 'src/hub/cli.ts', /^usage: npm run hub /],
  ['hub:admin', 'src/hub/admin-cli.ts', /^usage: npm run hub:admin /],
  ['kiosk', 'src/main/web-shell-cli.ts', /^usage: npm run kiosk /],
  ['demo', 'scripts/demo.ts', /^usage: npm run demo /],
  ['audit:verify', 'src/hub/audit-verify-cli.ts', /^usage: npm run audit:verify /],
  ['kiosk:officer', 'scripts/kiosk-officer.ts', /^usage: npm run kiosk:officer /],
  ['models', 'scripts/install-models.ts', /^usage: npm run models /],
] as const;

const noStack = /^\s+at /m;

describe('CLI usage', () => {
  it.each(clis)(
    '%s --help prints its usage and exits 0',
    (_name, script, usage) => {
      const run = runScript(script, ['--help']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(usage);
      expect(run.stderr).not.toMatch(noStack);
    },
    70_000,
  );

  it.each(clis)(
    '%s refuses a mistyped flag: one line, its usage, exit 2',
    (_name, script, usage) => {
      const run = runScript(script, ['--bogus-flag', 'x']);
      expect(run.status).toBe(2);
      const [line, blank, ...rest] = run.stderr.split('\n');
      expect(line).toMatch(/bogus/);
      expect(blank).toBe('');
      expect(rest.join('\n')).toMatch(usage);
      expect(run.stderr).not.toMatch(noStack);
    },
    70_000,
  );

  it.each([
    [
      'hub:admin, a flag of another command',
      'src/hub/admin-cli.ts',
      ['list-holds', '--account', 'nobody'],
      /--account is not an option of list-holds/,
    ],
    [
      'hub:admin, a hex amount',
      'src/hub/admin-cli.ts',
      ['deposit', '--account', 'a', '--amount', '0x10'],
      /--amount .*0x10/,
    ],
    [
      'hub:admin, a URL that is not one',
      'src/hub/admin-cli.ts',
      ['--url', 'not a url', 'rekey'],
      /--url .*not a url/,
    ],
    [
      'hub, an empty port',
      'src/hub/cli.ts',
      ['--data', '/nonexistent/facepay', '--port', ''],
      /--port .*''/,
    ],
    [
      'kiosk, an empty port',
      'src/main/web-shell-cli.ts',
      ['--config', '/nonexistent/kiosk.json', '--port', ''],
      /--port .*''/,
    ],
    [
      'kiosk, a hub that is not a URL',
      'src/main/web-shell-cli.ts',
      ['--config', '/nonexistent/kiosk.json', '--hub', 'not a url'],
      /--hub .*not a url/,
    ],
    [
      'demo, an amount that is not a number',
      'scripts/demo.ts',
      ['--amount', 'abc'],
      /--amount .*abc/,
    ],
  ])(
    '%s: exit 2 before anything starts',
    (_name, script, args, message) => {
      const run = runScript(script, args, { FACEPAY_ADMIN_TOKEN: 'admin-token-unused' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/\nusage: /);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toMatch(noStack);
    },
    70_000,
  );
});
