import koffi from 'koffi';

/**
 * Gives a snapshot's memory back once the answer is on its way.
 *
 * A whole-node snapshot briefly holds a few megabytes of buffers (scan
 * batches, the encoded response, gRPC's framed copy). V8 frees them at its
 * next collection, whenever that comes, and glibc keeps freed pages in its
 * arenas; on a DaemonSet with a memory limit, both show up as a peak that
 * creeps up snapshot after snapshot. After each snapshot: a full collection
 * when the process runs with --expose-gc (bin/whystuck-collector does), then
 * malloc_trim(0), which hands free arena pages back to the kernel. Together
 * ~15 ms of the collector's main thread, after the reply was written.
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
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  mallocTrim()?.(0);
}

/** Calls releaseMemory once, shortly after the last of a burst of snapshots. */
export function createMemoryReleaser(delayMs = 50): { schedule(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        releaseMemory();
      }, delayMs);
      timer.unref();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
