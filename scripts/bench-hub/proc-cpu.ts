// CPU time of the processes a benchmark runs (a hub, a PostgreSQL server, the whole machine) read
// from Linux's /proc, so bench:hub can say where each core's time went during its measurement window.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Clock ticks per second of /proc's times (USER_HZ; 100 on Linux almost everywhere). */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const microsPerTick = 1_000_000 / ticksPerSecond;

export const procAvailable = existsSync('/proc/self/stat');

interface ProcStat {
  ppid: number;
  /** utime + stime of all the process's threads, µs. */
  ownMicros: number;
  /** stime alone: the kernel's share (syscalls, and on loopback the peer's TCP receive work). */
  systemMicros: number;
  /** cutime + cstime: what its reaped children used, µs. */
  childrenMicros: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the comm: state, ppid, …, utime (11), stime (12), cutime (13), cstime (14).
    const at = (i: number) => Number(fields[i] ?? Number.NaN);
    return {
      ppid: at(1),
      ownMicros: (at(11) + at(12)) * microsPerTick,
      systemMicros: at(12) * microsPerTick,
      childrenMicros: (at(13) + at(14)) * microsPerTick,
    };
  } catch {
    return undefined; // The process ended while it was read.
  }
}

/** CPU time the process has used so far (all its threads) and the kernel's part of it, µs. */
export function processCpuMicros(pid: number): { total: number; system: number } {
  const stat = readStat(pid);
  return { total: stat?.ownMicros ?? Number.NaN, system: stat?.systemMicros ?? Number.NaN };
}

/**
 * CPU time of a PostgreSQL server so far, µs: the postmaster, every process it started (backends,
 * WAL writer, checkpointer…) and, through the postmaster's cutime, the backends that already exited.
 */
export function serverTreeCpuMicros(postmasterPid: number): number {
  const postmaster = readStat(postmasterPid);
  if (postmaster === undefined) return Number.NaN;
  let micros = postmaster.ownMicros + postmaster.childrenMicros;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === postmasterPid) micros += stat.ownMicros;
  }
  return micros;
}

/** The postmaster's pid from its data directory's postmaster.pid, when that server runs here. */
export function postmasterPidOf(dataDirectory: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8');
    return comm.startsWith('postgres') ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  /** Time all cores spent running something (user, nice, system, irq, softirq, steal), µs. */
  busyMicros: number;
  /** Time all cores spent idle or waiting for I/O, µs. */
  idleMicros: number;
}

/** The whole machine's CPU time so far, summed over its cores (the first line of /proc/stat). */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0);
  return {
    busyMicros: busy * microsPerTick,
    idleMicros: ((idle ?? 0) + (iowait ?? 0)) * microsPerTick,
  };
}
