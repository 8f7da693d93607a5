'use strict';
// Issue 2 benchmark: warm whole-node Snapshot RPC vs `ps -eLo ...` on a node
// with 10,000 threads, measured in the same run; collector peak RSS; idle CPU.
const { spawnSync } = require('node:child_process');
const { createCollectorClient } = require('../dist/collector/src/grpc/client');
const { median, spawnThreads, statusField, cpuTicks, startCollector } = require('./lib');

const RUNS = 9;

function timePs() {
  const t = process.hrtime.bigint();
  const r = spawnSync('ps', ['-eLo', 'pid,tid,ppid,stat,wchan:32,comm'], { stdio: ['ignore', 'ignore', 'ignore'] });
  if (r.status !== 0) throw new Error('ps failed');
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function timeSnapshot(client) {
  const t = process.hrtime.bigint();
  const r = await client.snapshot({ whole_node: true });
  if (r.status !== 'ok') throw new Error(`snapshot failed: ${JSON.stringify(r)}`);
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, serverMs: r.value.duration_ms, tasks: r.value.tasks.length, stacks: r.value.tasks.filter((x) => x.stack_read).length };
}

module.exports = async function run() {
  const load = await spawnThreads(10000);
  const collector = await startCollector();
  const client = createCollectorClient({ address: collector.address, deadlineMs: 60000, retries: 0 });
  try {
    for (let i = 0; i < 3; i++) await timeSnapshot(client); // warm: JIT, workers, connection
    const ps = [];
    const snap = [];
    const server = [];
    let last;
    for (let i = 0; i < RUNS; i++) {
      ps.push(timePs());
      last = await timeSnapshot(client);
      snap.push(last.ms);
      server.push(last.serverMs);
    }
    const peakRssMb = statusField(collector.pid, 'VmHWM') / 1024;
    const before = cpuTicks(collector.pid);
    await new Promise((r) => setTimeout(r, 5000));
    const idleCpuPct = (cpuTicks(collector.pid) - before) / 5; // ticks of 10 ms over 5 s -> % of a core
    const psMs = median(ps);
    const snapMs = median(snap);
    return {
      name: 'collector whole-node Snapshot (10,000 threads)',
      figures: {
        threads_on_node: load.threads,
        tasks_in_snapshot: last.tasks,
        stacks_read: last.stacks,
        ps_median_ms: +psMs.toFixed(1),
        snapshot_median_ms: +snapMs.toFixed(1),
        'of which in the collector (median ms)': median(server),
        'snapshot/ps ratio (target <= 0.35)': +(snapMs / psMs).toFixed(3),
        'collector peak RSS MB (target <= 100)': +peakRssMb.toFixed(1),
        'collector idle CPU % of a core (target ~0)': +idleCpuPct.toFixed(2),
      },
      ok: snapMs / psMs <= 0.35 && peakRssMb <= 100,
    };
  } finally {
    client.close();
    collector.stop();
    load.kill();
  }
};
