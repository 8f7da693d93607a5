import type { Task } from '../evidence/evidence';
import { crashState } from './ps-row';

/**
 * crash `ps -m` and `foreach UN ps -m` (and `ps -l`): one task per line with
 * how long ago it last ran, its state and identity:
 *   [  0 00:00:12.345] [UN]  PID: 1234   TASK: ffff8e09c4f31070  CPU: 3   COMMAND: "java"
 *   [1234567890123] [IN]  PID: 1      TASK: ffff9d6fbe7b4100  CPU: 0   COMMAND: "systemd"
 * (The plain `ps` table of crash is read as a table: see ps-columns.)
 */
const PS_M = /^\[\s*((?:\d+\s+)?[\d:.]+)\]\s+\[([A-Z]{2})\]\s+PID:\s*(\d+)\s+TASK:\s*([0-9a-f]+)\s+CPU:\s*(\d+)\s+COMMAND:\s*"(.*)"$/;

export function parseCrashPsM(line: string): { tid: number; facts: Partial<Task> } | null {
  const t = line.trim();
  if (t.charCodeAt(0) !== 91 /* [ */ || !t.includes('PID:')) return null;
  const m = PS_M.exec(t);
  if (!m) return null;
  const state = crashState(m[2]);
  if (!state) return null;
  return { tid: Number(m[3]), facts: { state, comm: m[6] } };
}
