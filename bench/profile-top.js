'use strict';
// node bench/profile-top.js FILE.cpuprofile [N] [FROM_MS TO_MS]: the functions with the most self time
// (and their total time, callees included), optionally only in a window of the profile.
const { readFileSync } = require('node:fs');

const [file, n = '40', from, to] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((x) => [x.id, x]));
const parent = new Map();
for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const self = new Map();
let t = p.startTime;
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = (p.timeDeltas[i] ?? 0) / 1000;
  t += p.timeDeltas[i] ?? 0;
  const ms = (t - p.startTime) / 1000;
  if (from !== undefined && (ms < Number(from) || ms > Number(to))) continue;
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  total += dt;
}
const key = (x) => `${x.callFrame.functionName || '(anonymous)'} ${x.callFrame.url.replace(/^.*\/(work|tmp)\/[^/]+\//, '')}:${x.callFrame.lineNumber + 1}`;
const selfBy = new Map();
const totalBy = new Map();
for (const [id, ms] of self) {
  const k = key(byId.get(id));
  selfBy.set(k, (selfBy.get(k) ?? 0) + ms);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const kk = key(byId.get(cur));
    if (seen.has(kk)) continue;
    seen.add(kk);
    totalBy.set(kk, (totalBy.get(kk) ?? 0) + ms);
  }
}
console.log(`sampled ${total.toFixed(0)} ms`);
console.log('-- self');
for (const [k, ms] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${ms.toFixed(1).padStart(9)}  ${k}`);
console.log('-- total (callees included)');
for (const [k, ms] of [...totalBy].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${ms.toFixed(1).padStart(9)}  ${k}`);
