import { readFileSync } from 'node:fs';

/** CPU time a process has used, in milliseconds: all its threads, and its main thread alone. */
export interface ProcessCpu {
  readonly totalMs: number;
  readonly mainThreadMs: number;
}

/** Linux's clock ticks per second for /proc times (USER_HZ, 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** utime + stime from a /proc stat line (fields 14 and 15; the command name may hold spaces). */
function statCpuMs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * The CPU a running process has used so far, read from /proc; undefined where there is
 * no /proc (not Linux) or the process is gone. The benchmark divides the difference over
 * the timed phase by the payments committed in it.
 */
export function readProcessCpu(pid: number | undefined): ProcessCpu | undefined {
  if (pid === undefined) return undefined;
  try {
    return { totalMs: statCpuMs(`/proc/${pid}/stat`), mainThreadMs: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}
