// Where a benchmark's CPU goes: each process's own user + system time, read from /proc
// (Linux), summed by what the process is. On a machine that runs the whole system and
// its clients, this names what a saturated run is short of.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  return cpuTimes(pid).own;
}

/**
 * A process's own CPU seconds, and those of its children that ended and were reaped (a
 * backend PostgreSQL's postmaster reaped, say), from /proc/<pid>/stat; 0 once it is gone.
 */
function cpuTimes(pid: number): { own: number; reaped: number } {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return { own: 0, reaped: 0 };
  }
  // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { own: (fields[11]! + fields[12]!) / ticksPerSecond, reaped: (fields[13]! + fields[14]!) / ticksPerSecond };
}

/** Every process whose command name is `name` (PostgreSQL's backends, say): the datastores run as several. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Each process's CPU seconds so far (its own and its reaped children's), by group, for groups of processes named when sampled. */
export type CpuSample = ReadonlyMap<string, ReadonlyMap<number, number>>;

export function sampleCpu(groups: Readonly<Record<string, readonly number[]>>): CpuSample {
  return new Map(Object.entries(groups).map(([group, pids]) => [group, new Map(pids.map((pid) => {
    const { own, reaped } = cpuTimes(pid);
    return [pid, own + reaped];
  }))]));
}

/**
 * What each group used between two samples, process by process. One started meanwhile
 * counts all of its time. One that ended meanwhile was reaped by its parent, whose
 * count took its whole life: its share before the first sample is taken off again (a
 * sum over the group's processes alone lost the ended ones altogether: PostgreSQL's
 * pools close idle sessions, and the e2e run reported 5.6 CPU s for PostgreSQL).
 */
export function cpuBetween(before: CpuSample, after: CpuSample): Map<string, number> {
  return new Map([...after].map(([group, now]) => {
    const then = before.get(group) ?? new Map<number, number>();
    let seconds = 0;
    for (const [pid, used] of now) seconds += used - (then.get(pid) ?? 0);
    for (const [pid, used] of then) if (!now.has(pid)) seconds -= used;
    return [group, Math.max(0, seconds)];
  }));
}
