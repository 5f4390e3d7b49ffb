// Where a benchmark's CPU goes: each process's own user + system time, read from /proc
// (Linux), summed by what the process is. On a machine that runs the whole system and
// its clients, this names what a saturated run is short of.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
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

/** Each process's CPU seconds so far, by group, for groups of processes named when sampled (they may change between samples). */
export type CpuSample = ReadonlyMap<string, ReadonlyMap<number, number>>;

export function sampleCpu(groups: Readonly<Record<string, readonly number[]>>): CpuSample {
  return new Map(Object.entries(groups).map(([group, pids]) => [group, new Map(pids.map((pid) => [pid, cpuSeconds(pid)]))]));
}

/**
 * What each group used between two samples, process by process: one started meanwhile
 * counts all of its time; one that ended meanwhile takes its last stretch with it, and
 * nothing more (a sum over the group would lose its whole lifetime: PostgreSQL's pools
 * close idle sessions, whose backends had worked all through the set-up).
 */
export function cpuBetween(before: CpuSample, after: CpuSample): Map<string, number> {
  return new Map([...after].map(([group, now]) => {
    const then = before.get(group);
    let seconds = 0;
    for (const [pid, used] of now) seconds += Math.max(0, used - (then?.get(pid) ?? 0));
    return [group, seconds];
  }));
}
