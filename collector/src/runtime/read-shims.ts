import type { ReadProblem } from '../../../proto/generated/whystuck/v1/ReadProblem';
import type { RuntimeShim } from '../../../proto/generated/whystuck/v1/RuntimeShim';
import type { GuardedReader } from '../procfs/guarded-reader';
import { parseStat } from '../procfs/parse-stat';
import { parseStack } from '../procfs/parse-stack';
import { problemFromGuarded } from '../snapshot/read-problems';
import { isShimComm } from '../procfs/raw-task';

/** The id a shim serves, from its argv: containerd's `-id ID`, conmon's `-c ID` / `--cid ID` / `--cid=ID`. */
export function servedId(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--cid=')) return a.slice(6);
    if ((a === '-id' || a === '--id' || a === '-c' || a === '--cid') && argv[i + 1]) return argv[i + 1];
  }
  return '';
}

/**
 * The runtime's shim processes among `candidates` (pid -> the container
 * processes it is the parent of): stat, wchan, argv and kernel stack of each
 * through the guarded reader (a shim stuck in the kernel cannot stall the
 * snapshot). Processes that are not shims are left out.
 */
export async function readShims(candidates: Map<number, number[]>, reader: GuardedReader, procRoot: string, problems: ReadProblem[]): Promise<RuntimeShim[]> {
  const shims = await Promise.all(
    [...candidates].map(async ([pid, kids]): Promise<RuntimeShim | null> => {
      const dir = `${procRoot}/${pid}`;
      const stat = await reader.read(`${dir}/stat`);
      const s = stat.status === 'ok' ? parseStat(stat.text.trim()) : null;
      if (!s || !isShimComm(s.comm)) return null;
      const [wchan, cmdline, stack] = await Promise.all([reader.read(`${dir}/wchan`), reader.read(`${dir}/cmdline`, { maxBytes: 4096 }), reader.read(`${dir}/stack`)]);
      for (const [path, r] of [
        [`${dir}/stack`, stack],
        [`${dir}/wchan`, wchan],
      ] as const) {
        const p = problemFromGuarded(path, r, pid, pid);
        if (p && p.reason !== 'vanished') problems.push(p);
      }
      const w = wchan.status === 'ok' ? wchan.text.trim() : '';
      return {
        pid,
        comm: s.comm,
        state: s.state,
        wchan: w === '0' ? '' : w,
        start_time_ticks: s.startTime,
        serves_id: cmdline.status === 'ok' ? servedId(cmdline.text.split('\0')) : '',
        child_pids: [...kids].sort((a, b) => a - b),
        stack: stack.status === 'ok' ? parseStack(stack.text) : [],
      };
    }),
  );
  return shims.filter((x): x is RuntimeShim => x !== null).sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0));
}
