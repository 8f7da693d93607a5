'use strict';
// In-process profile of whole-node snapshots on one node shape (after `npm run build`):
//   node [--cpu-prof --cpu-prof-dir=DIR] [flags] bench/profile-snapshot.js [PROCESSES THREADS_EACH [RUNS]]
// Spawns the shape (default 1,000 processes of 10 threads), makes a snapshotter as the
// collector does, warms it up, then takes RUNS snapshots one after another and prints the
// CPU time of each (the whole process, and per thread: main and the reader worker, from
// /proc/self/task/*/schedstat), the minimum and median. No gRPC: what the collector's
// snapshotBytes costs, for comparing builds on a loaded machine (CPU, not wall time).
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { spawnShape, median } = require('./lib');

const dist = process.env.WHYSTUCK_DIST || join(__dirname, '..', 'dist');
const { createSnapshotter } = require(join(dist, 'collector/src/snapshot/snapshotter'));

const [procs = 1000, each = 10, runs = 15] = process.argv.slice(2).map(Number);

/** CPU time (ms) of each thread of this process, by tid, with its comm. */
function threadCpu() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim();
      // schedstat: time on CPU in ns (stat's utime/stime count 10 ms ticks)
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      out.set(tid, { comm, ms: ns / 1e6 });
    } catch {
      /* gone */
    }
  }
  return out;
}

(async () => {
  const shape = await spawnShape(procs, each);
  const snap = createSnapshotter({ logger: undefined });
  try {
    const req = { scope: 'whole_node', whole_node: true };
    for (let i = 0; i < 3; i++) await snap.snapshotBytes(req);
    const cpu = [];
    const wall = [];
    const byThread = new Map();
    let size = 0;
    let tasks = 0;
    for (let i = 0; i < runs; i++) {
      if (globalThis.gc) globalThis.gc();
      const t0 = threadCpu();
      const u0 = process.cpuUsage();
      const w0 = performance.now();
      const r = await snap.snapshotBytes(req);
      wall.push(performance.now() - w0);
      const u = process.cpuUsage(u0);
      cpu.push((u.user + u.system) / 1000);
      for (const [tid, v] of threadCpu()) {
        const before = t0.get(tid)?.ms ?? 0;
        const k = tid === String(process.pid) ? 'main' : `${v.comm}:${tid}`;
        byThread.set(k, (byThread.get(k) ?? []).concat([v.ms - before]));
      }
      size = r.bytes.length;
      tasks = r.taskCount;
    }
    const f = (xs) => `min ${Math.min(...xs).toFixed(0)} median ${median(xs).toFixed(0)}`;
    console.log(`shape ${procs} x ${each}: ${tasks} tasks, ${(size / 1e6).toFixed(2)} MB, ${runs} runs`);
    console.log(`  process CPU per snapshot (ms): ${f(cpu)}  [${cpu.map((x) => x.toFixed(0)).join(' ')}]`);
    console.log(`  wall per snapshot (ms): ${f(wall)}`);
    for (const [k, xs] of byThread) if (xs.some((x) => x > 0)) console.log(`  thread ${k.padEnd(16)} CPU ms ${f(xs)}`);
  } finally {
    await snap.close();
    shape.kill();
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
