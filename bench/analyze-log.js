'use strict';
// `whystuck analyze` on a 100 MB kernel log built by repeating and perturbing
// real records (the corpus' dmesg, dmesg -T and syslog reports). Targets:
// >= 30 MB/s and peak RSS <= 200 MB (the log is streamed, never loaded whole).
const { spawn } = require('node:child_process');
const { createWriteStream, readFileSync, mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const SIZE = 100 * 1024 * 1024;
const CORPUS = join(__dirname, '..', 'test', 'fixtures', 'corpus');
const SOURCES = ['r-001-hung-task-fuse-6x', 'r-002-memcg-oom-kill-pod', 's-002-ceph-full-d-state', 's-003-soft-lockup-memcg-numa-stat', 's-004-soft-lockup-stop-machine', 's-007-hung-task-notify-param'];
const FILLER = [
  'IPv6: ADDRCONF(NETDEV_CHANGE): veth%d: link becomes ready',
  'cni0: port %d(veth%d) entered forwarding state',
  'EXT4-fs (sda%d): mounted filesystem with ordered data mode. Opts: (null)',
  'audit: type=1400 audit(%d.123:456): apparmor="STATUS" operation="profile_load"',
  'TCP: request_sock_TCP: Possible SYN flooding on port %d. Sending cookies.',
  'device veth%d entered promiscuous mode',
];

async function buildLog(file) {
  const records = SOURCES.map((s) => readFileSync(join(CORPUS, s, 'input.txt'), 'utf8').split('\n').filter((l) => /^\[|^[A-Z][a-z]{2} [ \d]\d /.test(l)));
  const out = createWriteStream(file);
  let written = 0;
  let t = 100;
  let round = 0;
  while (written < SIZE) {
    round++;
    const chunk = [];
    for (let i = 0; i < 400; i++) {
      t += 0.000731;
      const f = FILLER[(round + i) % FILLER.length].replace(/%d/g, String((round * 7 + i) % 97));
      chunk.push(`[${t.toFixed(6).padStart(12)}] ${f}`);
    }
    const rec = records[round % records.length];
    // Perturb: new pids and times so reports are distinct, as on a real node over days.
    const pidShift = (round % 500) * 3;
    for (const l of rec) chunk.push(l.replace(/\b(pid:\s*|PID: |task \S+:|\[\w[\w/:.-]*:)(\d+)/g, (_m, p, n) => `${p}${Number(n) + pidShift}`));
    const text = `${chunk.join('\n')}\n`;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return statSync(file).size;
}

function runAnalyze(file) {
  const script = `const {main}=require(${JSON.stringify(join(__dirname, '..', 'dist', 'bot', 'src', 'cli', 'main.js'))});`
    + `main(['analyze',${JSON.stringify(file)},'--json']).then((c)=>{process.stderr.write('MAXRSS '+process.resourceUsage().maxRSS+'\\n');process.exitCode=c;});`;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`analyze exited ${code}: ${stderr}`));
      resolve({ ms, maxRssKb: Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? 0), json: JSON.parse(stdout) });
    });
  });
}

module.exports = async function analyzeLogBench() {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-analyze-'));
  try {
    const file = join(dir, 'kern.log');
    const bytes = await buildLog(file);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await runAnalyze(file));
    const best = runs.reduce((a, b) => (a.ms < b.ms ? a : b));
    const mbps = bytes / 1048576 / (best.ms / 1000);
    const rssMb = Math.max(...runs.map((r) => r.maxRssKb)) / 1024;
    const ids = [...new Set(best.json.findings.map((f) => f.id))].sort();
    return {
      name: 'whystuck analyze on a 100 MB kernel log',
      ok: mbps >= 30 && rssMb <= 200,
      figures: {
        'log size (MB)': (bytes / 1048576).toFixed(1),
        'wall time, best of 3 (s)': (best.ms / 1000).toFixed(2),
        'throughput (MB/s, target >= 30)': mbps.toFixed(1),
        'peak RSS (MB, target <= 200)': rssMb.toFixed(0),
        'findings': ids.join(', '),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
