'use strict';
// `npm run bench`: runs every benchmark and prints figures measured in this run.
const only = process.argv[2];
const all = {
  snapshot: require('./collector-snapshot'),
  analyze: require('./analyze-log'),
  slack: require('./slack-reply'),
  ssh: require('./ssh-snapshot'),
  ha: require('./ha-replicas'),
  pipeline: require('./bot-pipeline'),
  watch: require('./watch'),
};
const benches = only ? [all[only]] : Object.values(all);

(async () => {
  let allOk = true;
  for (const bench of benches) {
    const result = await bench();
    allOk &&= result.ok;
    console.log(`\n== ${result.name} ${result.ok ? '(targets met)' : '(TARGET MISSED)'}`);
    for (const [k, v] of Object.entries(result.figures)) console.log(`  ${k.padEnd(48)} ${v}`);
  }
  process.exitCode = allOk ? 0 : 1;
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
