'use strict';
// Small helpers shared by the benchmarks: medians, child processes, RSS.
const { spawn, execFileSync } = require('node:child_process');
const { readFileSync, readdirSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const countThreads = () =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .reduce((sum, p) => {
      try {
        return sum + readdirSync(`/proc/${p}/task`).length;
      } catch {
        return sum;
      }
    }, 0);

/** Starts processes of 1,000 sleeping threads each until the node has `target` threads. */
async function spawnThreads(target) {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-bench-'));
  const bin = join(dir, 'threads');
  execFileSync('gcc', ['-O2', '-pthread', '-o', bin, join(__dirname, 'threads.c')]);
  const pids = [];
  let have = countThreads();
  while (have < target) {
    const n = Math.min(1000, target - have);
    const child = spawn(bin, [String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    pids.push(child.pid);
    await new Promise((resolve, reject) => {
      child.stdout.once('data', resolve);
      child.once('exit', () => reject(new Error('thread spawner died')));
    });
    child.stdout.destroy();
    child.unref();
    have = countThreads();
  }
  return {
    pids,
    threads: have,
    kill: () =>
      pids.forEach((p) => {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }),
  };
}

/**
 * Starts `processes` processes of `threadsEach` sleeping threads each (one
 * parent forking the rest; they die with it): the node shape of a busy
 * Kubernetes node is many small processes, not a few big ones.
 */
async function spawnShape(processes, threadsEach) {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-bench-'));
  const bin = join(dir, 'threads');
  execFileSync('gcc', ['-O2', '-pthread', '-o', bin, join(__dirname, 'threads.c')]);
  const child = spawn(bin, [String(threadsEach - 1), String(processes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', () => reject(new Error('thread spawner died')));
  });
  child.stdout.destroy();
  child.unref();
  return {
    pids: [child.pid],
    threads: countThreads(),
    kill: () => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/** CPU time (ms) used so far by this process's waited-for children (cutime + cstime). */
const childrenCpuMs = () => {
  const s = readFileSync('/proc/self/stat', 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
};

const statusField = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
const cpuTicks = (pid) => {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
};

/** Starts the collector as deployed (bin/whystuck-collector) on loopback; resolves with its pid and address. */
function startCollector(extraArgs = []) {
  const child = spawn(join(__dirname, '..', 'bin', 'whystuck-collector'), ['--listen', '127.0.0.1:0', '--insecure', '--log-level', 'warn', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      // With --metrics-listen, its address is printed before the gRPC one.
      const metrics = /^metrics (\S+)$/m.exec(out)?.[1];
      if (m)
        resolve({
          pid: child.pid,
          address: m[1],
          metrics,
          stop: () => {
            try {
              process.kill(child.pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          },
        });
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
}

/** The collector's snapshot gate counters (whystuck_collector_snapshot_gate) from its /metrics. */
async function gateCounts(metricsAddress) {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^whystuck_collector_snapshot_gate\{what="(\w+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

module.exports = { gateCounts, median, spawnThreads, spawnShape, childrenCpuMs, statusField, cpuTicks, startCollector, countThreads };
