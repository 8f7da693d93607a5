import type { NodeEvidence } from '../evidence/evidence';

/**
 * `vmstat [delay [count]]`: the header names the columns; each row after the
 * first (which averages since boot) is one interval. The newest row gives
 * the tasks running (r) and blocked in D (b) and the CPU split.
 *   procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----
 *    r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st
 *    1 29      0 10284412 311204 9012440    0    0    12    40  812 1306  2  1 96  1  0
 */
export interface VmstatReader {
  /** True when the line was vmstat's (header or row). */
  line(text: string): boolean;
}

const HEADER = /^\s*r\s+b\s+swpd\s+free\s/;
const GROUPS = /^\s*procs\s+-+memory-+/;
const ROW = /^\s*\d+(?:\s+\d+){10,18}\s*$/;

export function createVmstatReader(node: NodeEvidence): VmstatReader {
  let columns: string[] | null = null;
  return {
    line(text) {
      if (GROUPS.test(text)) return true;
      if (HEADER.test(text)) {
        columns = text.trim().split(/\s+/);
        return true;
      }
      if (!columns || !ROW.test(text)) {
        if (columns && text.trim()) columns = null;
        return false;
      }
      const cells = text.trim().split(/\s+/).map(Number);
      if (cells.length !== columns.length) return false;
      const at = (name: string): number | undefined => {
        const i = columns!.indexOf(name);
        return i >= 0 ? cells[i] : undefined;
      };
      node.taskCounts = { ...node.taskCounts, running: at('r'), blocked: at('b') };
      node.cpu = { userPct: at('us'), systemPct: at('sy'), idlePct: at('id'), iowaitPct: at('wa') };
      return true;
    },
  };
}
