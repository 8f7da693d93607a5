/**
 * The cgroup membership of every process, read in one pass on a guarded
 * reader thread before the task scan.
 *
 * Reading /proc/PID/cgroup takes the kernel's global cgroup_mutex (and
 * css_set_lock): while some task holds that mutex — itself a common reason
 * for pods stuck creating or terminating — every such read sleeps. So these
 * reads never happen on the main thread, and they happen together, first,
 * under one deadline: if the pass does not finish, its thread is written off
 * and the snapshot goes on without cgroups (pod attribution "unknown")
 * instead of stalling its scan on the first process.
 *
 * A fake zombie (an exited leader whose threads live on) has left its
 * cgroups: where a leader's file reads "/" on every line, another thread's
 * file is read, and kept when it names a pod.
 */
import { readdirSync } from 'node:fs';
import { parsePodCgroup } from '../cgroups/parse-pod-cgroup';
import { readInto } from './direct-read';

/** tgid -> index into `texts` (the file's text; identical files share one entry). */
export interface CgroupMap {
  tgids: Int32Array;
  text: Int32Array;
  texts: string[];
}

const buf = Buffer.allocUnsafe(16 * 1024);

function readText(path: string): string | null {
  const n = readInto(path, buf);
  return n < 0 ? null : buf.toString('latin1', 0, n);
}

/** Every line's path is "/": what an exited leader reads (or a task of the root cgroup). */
function onlyRoot(text: string): boolean {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const b = line.indexOf(':', line.indexOf(':') + 1);
    if (b < 0 || line.length !== b + 2 || line.charCodeAt(b + 1) !== 47) return false;
  }
  return true;
}

function namesPod(text: string): boolean {
  if (!text.includes('pod')) return false;
  for (const line of text.split('\n')) {
    const b = line.indexOf(':', line.indexOf(':') + 1);
    if (b >= 0 && parsePodCgroup(line.slice(b + 1))) return true;
  }
  return false;
}

/**
 * Reads <procRoot>/<tgid>/cgroup for every process (or for `only`); the
 * shared `progress` array holds the tgid being read, so that a pass written
 * off says where it stalled. `abort` [0] set: stops before the next process
 * (no one wants the scan any more), with what it has.
 */
export function readCgroupMap(procRoot: string, progress: Int32Array, only?: number[], abort?: Int32Array): CgroupMap {
  const names = only ? only.map(String) : readdirSync(procRoot).filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
  const tgids: number[] = [];
  const text: number[] = [];
  const texts: string[] = [];
  const index = new Map<string, number>();
  for (const name of names) {
    if (abort && Atomics.load(abort, 0) !== 0) break;
    const tgid = Number(name);
    progress[0] = tgid;
    let t = readText(`${procRoot}/${name}/cgroup`);
    if (t === null) continue;
    // Only a leader that reads the root cgroup everywhere may have left its cgroups.
    if (onlyRoot(t)) {
      let tids: string[] = [];
      try {
        tids = readdirSync(`${procRoot}/${name}/task`);
      } catch {
        /* vanished */
      }
      const other = tids.find((x) => x !== name);
      if (other) {
        const o = readText(`${procRoot}/${name}/task/${other}/cgroup`);
        if (o !== null && namesPod(o)) t = o;
      }
    }
    let k = index.get(t);
    if (k === undefined) {
      k = texts.push(t) - 1;
      index.set(t, k);
    }
    tgids.push(tgid);
    text.push(k);
  }
  progress[0] = 0;
  return { tgids: Int32Array.from(tgids), text: Int32Array.from(text), texts };
}
