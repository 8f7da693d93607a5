'use strict';
// Issue 5 benchmark: a whole-node snapshot over SSH (connect, the fixed
// collect.sh script, parsing into the collector's SnapshotResponse) of a node
// with 10,000 threads, against a real OpenSSH server on 127.0.0.1. The compiled
// code from dist/ is measured; the sshd fixture is the tests' (TypeScript).
// Target: <= 3 s per snapshot. Also: the in-process collector snapshot of the
// same node in the same run, for the ratio.
require('./ts-hook');
const { join } = require('node:path');
const { median, spawnThreads } = require('./lib');

const root = join(__dirname, '..');
const RUNS = 7;

module.exports = async function sshSnapshotBench() {
  const { startSshd } = require(join(root, 'test/helpers/ssh/sshd-server.ts'));
  const { sshSnapshot } = require(join(root, 'dist/bot/src/nodes/ssh/ssh-snapshot.js'));
  const { loadPrivateKeyFile } = require(join(root, 'dist/bot/src/nodes/ssh/private-key.js'));
  const { readKnownHostsFile } = require(join(root, 'dist/bot/src/nodes/ssh/known-hosts.js'));
  const { createHostKeyPolicy } = require(join(root, 'dist/bot/src/nodes/ssh/host-key-policy.js'));
  const { createSnapshotter } = require(join(root, 'dist/collector/src/snapshot/snapshotter.js'));
  const load = await spawnThreads(10000);
  const sshd = await startSshd();
  const local = createSnapshotter();
  try {
    const target = {
      address: { username: 'root', host: '127.0.0.1', port: sshd.port },
      key: loadPrivateKeyFile(sshd.clientKey).value,
      hostKeys: createHostKeyPolicy({ knownHosts: readKnownHostsFile(sshd.knownHosts).value }).value,
      connectTimeoutMs: 10000,
      commandTimeoutMs: 60000,
    };
    const once = async () => {
      const t = process.hrtime.bigint();
      const r = await sshSnapshot(target, { whole_node: true });
      if (r.status !== 'ok') throw new Error(`ssh snapshot failed: ${r.message}`);
      return { ms: Number(process.hrtime.bigint() - t) / 1e6, tasks: r.value.tasks.length, stacks: r.value.tasks.filter((x) => x.stack_read).length };
    };
    await once(); // warm: JIT, page cache
    const times = [];
    let last;
    for (let i = 0; i < RUNS; i++) {
      last = await once();
      times.push(last.ms);
    }
    const localTimes = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      await local.snapshot({ whole_node: true });
      localTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const ms = median(times);
    return {
      name: 'SSH whole-node snapshot (10,000 threads, real sshd on loopback)',
      figures: {
        threads_on_node: load.threads,
        tasks_in_snapshot: last.tasks,
        stacks_read: last.stacks,
        'ssh snapshot median ms (connect included; target <= 3000)': +ms.toFixed(1),
        'ssh snapshot max ms': +Math.max(...times).toFixed(1),
        'in-process collector snapshot median ms': +median(localTimes).toFixed(1),
      },
      ok: ms <= 3000,
    };
  } finally {
    await local.close();
    await sshd.stop();
    load.kill();
  }
};
