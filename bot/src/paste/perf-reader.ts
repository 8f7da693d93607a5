import type { Frame } from '../evidence/evidence';
import type { EvidenceBuilder } from '../evidence/evidence-builder';

/**
 * Where CPU time goes, from `perf report` and folded stacks: the hottest
 * kernel stack of each command (or pid) becomes that task's frames, so a
 * task that burns CPU in reclaim or on a spinlock shows where.
 *
 *   java;entry_SYSCALL_64;do_syscall_64;...;shrink_node 1234         folded (stackcollapse / perf script | …)
 *   java-4411/4420;...;native_queued_spin_lock_slowpath_[k] 88       folded with pid/tid
 *       45.12%  java  [kernel.kallsyms]  [k] shrink_node               perf report (children of `---` follow)
 *
 * Kept modest: one stack per command, the five hottest commands.
 */
export interface PerfReader {
  command(program: string, args: string): void;
  line(text: string): 'perf' | null;
  end(): void;
  finish(): void;
}

const FOLDED = /^([^\s;]+(?:;[^\s;]+)+) (\d+)$/;
/** "    45.12%  java  [kernel.kallsyms]  [k] shrink_node" (and `--children`: two percentages). */
const REPORT_ROW = /^\s*(\d+\.\d+)%\s+(?:\d+\.\d+%\s+)?(\S+)\s+(\S+)\s+\[([k.])\]\s+(\S+)/;
/** Call-graph lines under a report row: "---shrink_node", "|--45.12%--shrink_node", "   shrink_lruvec". */
const GRAPH = /^[\s|]*(?:---|\|?--\d+\.\d+%--)?([A-Za-z_][\w.]*)\s*$/;
const KERNEL_FN = /^[A-Za-z_][\w.]*$/;
const COMM_PID = /^(.+?)-(\d+)(?:\/(\d+))?$/;
const MAX_KEYS = 2000;
const MAX_FRAMES = 40;
const TOP = 5;

interface Hot {
  comm: string;
  tid?: number;
  pid?: number;
  count: number;
  frames: Frame[];
  line: string;
  graph?: string[];
}

/** Frames where a kernel stack starts (its root): above them is user space. */
const ROOT = /^(?:entry_SYSCALL\w*|asm_(?:exc|sysvec|common)\w*|ret_from_fork\w*|system_call\w*|kthread)$/;

export function createPerfReader(b: EvidenceBuilder): PerfReader {
  let active = false;
  const hot = new Map<string, Hot>();
  let row: Hot | null = null;

  function offer(h: Hot): void {
    if (h.graph) {
      // perf prints call graphs callee-first (--no-children) or caller-first (--children): leaf first here.
      const g = ROOT.test(h.graph[0] ?? '') ? [...h.graph].reverse() : h.graph;
      for (const fn of g) if (h.frames.length < MAX_FRAMES && !h.frames.some((f) => f.fn === fn)) h.frames.push(frame(fn));
      delete h.graph;
    }
    const key = `${h.comm}|${h.tid ?? ''}`;
    const seen = hot.get(key);
    if (seen) {
      if (h.count > seen.count) hot.set(key, h);
      return;
    }
    if (hot.size < MAX_KEYS) hot.set(key, h);
  }

  function end(): void {
    if (row) {
      offer(row);
      row = null;
    }
    const top = [...hot.values()]
      .filter((h) => h.frames.length)
      .sort((a, b2) => b2.count - a.count)
      .slice(0, TOP);
    for (const h of top) {
      b.tasks.upsert(h.tid ?? 0, { comm: h.comm, pid: h.pid, stack: h.frames, missing: ['stack sampled by perf (on CPU), not a wait'] }, h.line);
    }
    hot.clear();
    active = false;
  }

  return {
    command(program, args) {
      if (active) end();
      if (program === 'perf' && /^(?:report|script|top)\b/.test(args.trim())) active = true;
    },
    line(text) {
      const t = text.trim();
      if (t.charCodeAt(0) === 35 /* # */) {
        if (!active && /^#\s+(?:Overhead|Children|Samples:)/.test(t)) active = true;
        return active ? 'perf' : null;
      }
      // Folded stacks: "comm;frame;frame… count" — cheap tests before the pattern.
      const last = t.charCodeAt(t.length - 1);
      if (last >= 48 && last <= 57 && t.includes(';') && !t.includes('; ')) {
        const m = FOLDED.exec(t);
        if (m) {
          const parts = m[1].split(';');
          const who = COMM_PID.exec(parts[0]);
          const frames = kernelFrames(parts.slice(1));
          const h: Hot = who
            ? { comm: who[1], pid: Number(who[2]), tid: Number(who[3] ?? who[2]), count: Number(m[2]), frames, line: t.slice(0, 300) }
            : { comm: parts[0], count: Number(m[2]), frames, line: t.slice(0, 300) };
          active = true;
          offer(h);
          return 'perf';
        }
      }
      if (!active) return null;
      let m = REPORT_ROW.exec(t);
      if (m) {
        if (row) offer(row);
        const pct = Math.round(Number(m[1]) * 100);
        row = m[4] === 'k' && KERNEL_FN.test(m[5]) ? { comm: m[2], count: pct, frames: [frame(m[5])], line: t.slice(0, 300), graph: [] } : null;
        return 'perf';
      }
      if ((m = GRAPH.exec(text))) {
        if (row?.graph && row.graph.length < MAX_FRAMES) row.graph.push(m[1]);
        return 'perf';
      }
      if (/^[\s|]*$/.test(text)) return 'perf';
      return null;
    },
    end() {
      if (active || hot.size) end();
    },
    finish() {
      end();
    },
  };
}

/** Folded stacks run from the root to the leaf; kernel frames carry `_[k]` when marked. Leaf first, kernel only. */
function kernelFrames(parts: string[]): Frame[] {
  const marked = parts.some((p) => p.endsWith('_[k]'));
  const out: Frame[] = [];
  for (let i = parts.length - 1; i >= 0 && out.length < MAX_FRAMES; i--) {
    let fn = parts[i];
    if (marked) {
      if (!fn.endsWith('_[k]')) break;
      fn = fn.slice(0, -4);
    }
    if (!KERNEL_FN.test(fn)) {
      if (out.length) break;
      continue;
    }
    out.push(frame(fn));
    if (!marked && ROOT.test(fn)) break;
  }
  return out;
}

const frame = (fn: string): Frame => ({ fn, offset: '', module: '', unreliable: false });
