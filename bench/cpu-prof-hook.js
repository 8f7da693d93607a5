'use strict';
// Loaded with `node --require` (NODE_OPTIONS, which refuses --cpu-prof): a V8
// CPU profile of the whole process, written to $BENCH_CPU_PROF/PID.cpuprofile
// when it exits. Open it in Chrome DevTools or read it with bench/profile-top.js.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  let written = false;
  // The session is in this thread: the callback runs before post() returns, so this works in 'exit'.
  process.on('exit', () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
