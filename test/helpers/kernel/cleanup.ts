/**
 * Every real-kernel fixture registers how to undo itself here; tests call
 * `cleanupAll()` in afterEach/afterAll, so states are torn down even when an
 * assertion fails. Undo steps run newest first, each errors swallowed.
 */
const steps: Array<{ name: string; undo: () => void | Promise<void> }> = [];
const pids = new Set<number>();

export function onCleanup(name: string, undo: () => void | Promise<void>): void {
  steps.push({ name, undo });
}

/** A pid this test run started: killed on cleanup, and on exit as a last resort. */
export function trackPid(pid: number | undefined): number {
  if (!pid) throw new Error('process did not start');
  pids.add(pid);
  return pid;
}

export function killTracked(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  pids.clear();
}

export async function cleanupAll(): Promise<void> {
  while (steps.length > 0) {
    const step = steps.pop() as (typeof steps)[number];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([step.undo(), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    } catch (err) {
      process.stderr.write(`cleanup "${step.name}" failed: ${String(err)}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
  killTracked();
}

process.on('exit', killTracked);
