// Runs the hub as a real child process (`src/hub/cli.ts` through tsx), as operators and CI do,
// and waits for its listening line; used by the crash, CLI and contract tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const tsxBin = join(repoRoot, 'node_modules', '.bin', 'tsx');

export interface HubProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

export async function spawnHub(dataDir: string, env: Record<string, string>): Promise<HubProcess> {
  const child = spawn(
    tsxBin,
    [join(repoRoot, 'src/hub/cli.ts'), '--port', '0', '--data', dataDir],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start: ${stderr}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /hub listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`hub exited ${code}: ${stderr}`)));
  });
  return { child, url, exited };
}

export function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(tsxBin, [join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
