'use strict';
// `whystuck analyze` on a 100 MB kernel log built by repeating and perturbing
// real records (the corpus' dmesg, dmesg -T and syslog reports). Targets:
// >= 30 MB/s and peak RSS <= 200 MB (the log is streamed, never loaded whole).
// In the same run, a 10 MB mixed paste (issue 13): every corpus and fixture
// input — ps in several dialects, kernel logs with reports, stacks, /proc
// files, prose, kubectl output — repeated with perturbed pids, some blocks
// quoted with "> " / ">> " or line-numbered (cat -n, grep -n, an editor gutter).
const { spawn } = require('node:child_process');
const { createWriteStream, existsSync, readdirSync, readFileSync, mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const SIZE = 100 * 1024 * 1024;
const MIXED_SIZE = 10 * 1024 * 1024;
const FIXTURES = join(__dirname, '..', 'test', 'fixtures');
const CORPUS = join(FIXTURES, 'corpus');
const SOURCES = [
  'r-001-hung-task-fuse-6x',
  'r-002-memcg-oom-kill-pod',
  's-002-ceph-full-d-state',
  's-003-soft-lockup-memcg-numa-stat',
  's-004-soft-lockup-stop-machine',
  's-007-hung-task-notify-param',
];
const FILLER = [
  'IPv6: ADDRCONF(NETDEV_CHANGE): veth%d: link becomes ready',
  'cni0: port %d(veth%d) entered forwarding state',
  'EXT4-fs (sda%d): mounted filesystem with ordered data mode. Opts: (null)',
  'audit: type=1400 audit(%d.123:456): apparmor="STATUS" operation="profile_load"',
  'TCP: request_sock_TCP: Possible SYN flooding on port %d. Sending cookies.',
  'device veth%d entered promiscuous mode',
];

async function buildLog(file) {
  const records = SOURCES.map((s) =>
    readFileSync(join(CORPUS, s, 'input.txt'), 'utf8')
      .split('\n')
      .filter((l) => /^\[|^[A-Z][a-z]{2} [ \d]\d /.test(l)),
  );
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

/** Every case input of the fixtures (corpus, cases, corpus-world), as pasted. */
function caseInputs() {
  const inputs = [];
  for (const root of ['corpus', 'cases', 'corpus-world']) {
    const dir = join(FIXTURES, root);
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name, 'input.txt');
      if (existsSync(file)) inputs.push(readFileSync(file, 'utf8').replace(/\n+$/, ''));
    }
  }
  return inputs;
}

/** How a block is pasted: as is, quoted, or with line numbers in front. */
const FORMS = [
  (lines) => lines,
  (lines) => lines.map((l) => (l ? `> ${l}` : '>')),
  (lines) => lines,
  (lines) => lines.map((l, i) => `${String(i + 1).padStart(6)}\t${l}`),
  (lines) => lines.map((l) => (l ? `>> ${l}` : '>>')),
  (lines) => lines.map((l, i) => `${i + 1}:${l}`),
  (lines) => lines,
  (lines) => {
    const w = String(lines.length).length;
    return lines.map((l, i) => `  ${String(i + 1).padStart(w)} |${l ? ` ${l}` : ''}`);
  },
];
const PROSE = [
  'Here is what I saw on the node:',
  'Same thing again after restarting kubelet, output below.',
  'ps and the stacks from the second node, pod is still Terminating',
  'kill -9 does nothing, the process stays in D',
  'load is around 50 with the CPUs idle, dmesg below',
];

/** A 10 MB paste of every kind of input, pids shifted per round so tasks are distinct. */
async function buildMixed(file) {
  const inputs = caseInputs();
  const out = createWriteStream(file);
  let written = 0;
  let round = 0;
  while (written < MIXED_SIZE) {
    const shift = (round + 1) * 7;
    const chunk = [];
    for (let i = 0; i < inputs.length && written < MIXED_SIZE; i++) {
      // Perturb: standalone 3-7 digit numbers (pids, tids, ppids) — not times, addresses or offsets.
      const text = inputs[i].replace(/(?<![\w.:-])(\d{3,7})(?![\w.:])/g, (m) => String(Number(m) + shift));
      chunk.push(PROSE[(round + i) % PROSE.length], '', ...FORMS[(round + i) % FORMS.length](text.split('\n')), '');
    }
    const text = `${chunk.join('\n')}\n`;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise((r) => out.once('drain', r));
    round++;
  }
  await new Promise((r) => out.end(r));
  return statSync(file).size;
}

async function measure(file, bytes) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await runAnalyze(file));
  const best = runs.reduce((a, b) => (a.ms < b.ms ? a : b));
  return {
    mb: bytes / 1048576,
    seconds: best.ms / 1000,
    mbps: bytes / 1048576 / (best.ms / 1000),
    rssMb: Math.max(...runs.map((r) => r.maxRssKb)) / 1024,
    // CPU time of the analyze process (user + system), best of 3: what the wall time would be on an idle core.
    cpuSeconds: Math.min(...runs.map((r) => r.cpuMs)) / 1000,
    ids: [...new Set(best.json.findings.map((f) => f.id))].sort(),
  };
}

function runAnalyze(file) {
  const script =
    `const {main}=require(${JSON.stringify(join(__dirname, '..', 'dist', 'bot', 'src', 'cli', 'main.js'))});` +
    `main(['analyze',${JSON.stringify(file)},'--json']).then((c)=>{const u=process.resourceUsage();process.stderr.write('MAXRSS '+u.maxRSS+' CPU '+(u.userCPUTime+u.systemCPUTime)+'\\n');process.exitCode=c;});`;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`analyze exited ${code}: ${stderr}`));
      resolve({ ms, maxRssKb: Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? 0), cpuMs: Number(/CPU (\d+)/.exec(stderr)?.[1] ?? 0) / 1000, json: JSON.parse(stdout) });
    });
  });
}

module.exports = async function analyzeLogBench() {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-analyze-'));
  try {
    const logFile = join(dir, 'kern.log');
    const log = await measure(logFile, await buildLog(logFile));
    rmSync(logFile);
    const mixedFile = join(dir, 'mixed-paste.txt');
    const mixed = await measure(mixedFile, await buildMixed(mixedFile));
    return {
      name: 'whystuck analyze on a 100 MB kernel log and a 10 MB mixed paste',
      ok: log.mbps >= 30 && log.rssMb <= 200,
      figures: {
        'kernel log size (MB)': log.mb.toFixed(1),
        'kernel log wall time, best of 3 (s)': log.seconds.toFixed(2),
        'kernel log throughput (MB/s, target >= 30)': log.mbps.toFixed(1),
        'kernel log CPU time, best of 3 (s)': `${log.cpuSeconds.toFixed(2)} (${(log.mb / log.cpuSeconds).toFixed(1)} MB per CPU-second)`,
        'kernel log peak RSS (MB, target <= 200)': log.rssMb.toFixed(0),
        'kernel log findings': log.ids.join(', '),
        'mixed paste size (MB)': mixed.mb.toFixed(1),
        'mixed paste wall time, best of 3 (s)': mixed.seconds.toFixed(2),
        'mixed paste throughput (MB/s)': mixed.mbps.toFixed(1),
        'mixed paste CPU time, best of 3 (s)': `${mixed.cpuSeconds.toFixed(2)} (${(mixed.mb / mixed.cpuSeconds).toFixed(1)} MB per CPU-second)`,
        'mixed paste peak RSS (MB)': mixed.rssMb.toFixed(0),
        'mixed paste findings': mixed.ids.join(', '),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
// For looking at the inputs by hand: node -e "require('./bench/analyze-log').buildMixed('/tmp/mixed.txt')" (buildLog likewise)
module.exports.buildMixed = buildMixed;
module.exports.buildLog = buildLog;
