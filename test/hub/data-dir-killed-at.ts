// Runs data-dir-step-opener until it pauses at a key-file step on audit.key, then SIGKILLs it: the hub's
// first start killed mid-write, for the audit-key crash tests.
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { KeyFileStep } from '../../src/biometrics/protect/key-files.node.ts';
import { nodeScript } from './process.ts';

/** Kills the opener paused at `step`; answers its `step …` lines. */
export async function dataDirKilledAt(root: string, step: KeyFileStep): Promise<string[]> {
  const [node, nodeArgs] = nodeScript('test/hub/data-dir-step-opener.ts', [root, step]);
  const child = spawn(node, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('paused\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`opener exited before ${step}: ${out}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return out.split('\n').filter((line) => line.startsWith('step '));
}
