/**
 * The task line of a sysrq-w/-t dump, hung-task report or RCU stall task dump, new and old style:
 *   task:stat            state:D stack:0     pid:2308  tgid:2308  ppid:2307   task_flags:0x400000 flags:0x00080003
 *   task:bash state:D stack: 0 pid: 2413 ppid: 2245 flags:0x00000000
 *   task:stress          state:R  running task     stack:0     pid:1234  ppid:1      flags:0x00004008
 *   kworker/u16:1   D    0 12572      2 0x80000000
 *   kworker/0:1     D ffff88003fc13680     0    38      2 0x00000000
 *   stress          R  running task        0  1234      1 0x00000008
 * Only `task_flags` (6.14+) are task->flags; plain `flags` are thread flags.
 * The comm is at most 15 characters in the kernel (bounded here, so the
 * patterns stay linear on any line).
 */
export interface TaskDumpLine {
  comm: string;
  state: string;
  pid: number;
  tgid?: number;
  ppid: number;
  taskFlags?: number;
}

const MAX_LINE = 512;
const NEW = /^task:(.{1,32}?) +state:(\w)(?: +running task)? +stack: *\d+ +pid: *(\d+)(?: +tgid: *(\d+))? +ppid: *(\d+)(?: +task_flags:(0x[0-9a-f]+))?/;
const OLD = /^(\S.{0,31}?) +([DRSTtZXIPKW])(?: +running task)? +(?:[0-9a-f]{8,16} +)?\d+ +(\d+) +(\d+) +0x[0-9a-f]+$/;

export function parseTaskDumpLine(line: string): TaskDumpLine | null {
  // The kernel prints these lines in well under 200 characters; longer is not one (and costs the patterns nothing).
  if (line.length > MAX_LINE) return null;
  let m = NEW.exec(line);
  if (m) {
    return {
      comm: m[1],
      state: m[2],
      pid: Number(m[3]),
      tgid: m[4] ? Number(m[4]) : undefined,
      ppid: Number(m[5]),
      taskFlags: m[6] ? parseInt(m[6], 16) : undefined,
    };
  }
  m = OLD.exec(line);
  if (m) return { comm: m[1], state: m[2], pid: Number(m[3]), ppid: Number(m[4]) };
  return null;
}
