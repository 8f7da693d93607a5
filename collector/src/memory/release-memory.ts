import koffi from 'koffi';

/**
 * Gives snapshots' memory back.
 *
 * A whole-node snapshot briefly holds a few megabytes of buffers (scan
 * batches, the encoded response, gRPC's framed copy). V8 frees buffers only
 * at a full collection, which it starts on its own only after tens of
 * megabytes of them, and glibc keeps freed pages in its arenas; on a
 * DaemonSet with a memory limit both show up as a peak that creeps up
 * snapshot after snapshot. So: a full collection (when the process runs with
 * --expose-gc, as bin/whystuck-collector does), then malloc_trim(0), which
 * hands free arena pages back to the kernel. A full collection blocks the
 * event loop for 20-50 ms here, so it runs when the collector has been quiet
 * for a quarter of a second, or early in a snapshot once past snapshots'
 * buffers exceed `budgetBytes` (the gRPC server calls `beforeSnapshot` while
 * the reader thread reads cgroup membership, when the main thread would only
 * wait — but the collection took longer than that pass, and delayed the walk:
 * a question a second after another found it still to do, with a quiet
 * second as the wait).
 */
type Trim = (pad: number) => number;
let trim: Trim | null | undefined;

function mallocTrim(): Trim | null {
  if (trim !== undefined) return trim;
  try {
    trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as Trim;
  } catch {
    trim = null; // not glibc (musl has no arenas to trim)
  }
  return trim;
}

export function releaseMemory(): void {
  (globalThis as { gc?: () => void }).gc?.();
  mallocTrim()?.(0);
}

export interface MemoryReleaser {
  /** A snapshot ended: release once the collector stays quiet. */
  schedule(): void;
  /** A snapshot starts: release first if past snapshots left too much behind. */
  beforeSnapshot(): void;
  cancel(): void;
}

export function createMemoryReleaser(opts: { quietMs?: number; budgetBytes?: number } = {}): MemoryReleaser {
  const quietMs = opts.quietMs ?? 250;
  const budget = opts.budgetBytes ?? 2 * 1024 * 1024;
  let timer: NodeJS.Timeout | undefined;
  const cancel = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return {
    schedule() {
      cancel();
      timer = setTimeout(() => {
        timer = undefined;
        releaseMemory();
      }, quietMs);
      timer.unref();
    },
    beforeSnapshot() {
      cancel();
      if (process.memoryUsage().arrayBuffers > budget) releaseMemory();
    },
    cancel,
  };
}
