// The command lines of the repo's CLIs read one way: --help (-h) prints the usage on stdout and exits 0;
// an unknown flag, a missing value or a stray argument is one line and the usage on stderr, exit 2, no
// stack; a port, a URL or a whole number is checked as what it is ('' is not port 0, 0x10 is not 16).
/** One line and the usage on stderr, exit 2: the command line, not the program, was wrong. */
export function usageError(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage.endsWith('\n') ? usage : `${usage}\n`}`);
  process.exit(2);
}

/**
 * `parse` (node:util's parseArgs, strict, over process.argv) after --help/-h: that prints `usage` on stdout
 * and exits 0; what parseArgs refuses (an unknown flag, a missing value) is usageError, not a stack.
 */
export function readCommandLine<T>(usage: string, parse: () => T): T {
  const args = process.argv.slice(2);
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    process.exit(0);
  }
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    usageError(usage, (error as Error).message.split('\n')[0] ?? code);
  }
}

/** A TCP port written in decimal digits, 0-65535 (0: any free one); otherwise usageError. */
export function portArgument(usage: string, flag: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65_535))
    usageError(usage, `${flag} must be a port 0-65535, not '${text}'`);
  return port;
}

/** An http:// or https:// URL; otherwise usageError. */
export function urlArgument(usage: string, flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    usageError(usage, `${flag} must be an http:// or https:// URL, not '${text}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    usageError(usage, `${flag} must be an http:// or https:// URL, not '${text}'`);
  }
  return text;
}

/** A whole number written in decimal digits, at least `min`; otherwise usageError. */
export function wholeNumberArgument(usage: string, flag: string, text: string, min = 1): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min)) {
    usageError(usage, `${flag} must be a whole number of ${min} or more, not '${text}'`);
  }
  return n;
}
