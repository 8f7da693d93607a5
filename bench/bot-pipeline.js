'use strict';
// The bot's own CPU per question, in this process (robust to a loaded
// machine, unlike the HA benchmark's wall times): a pod-scoped snapshot of
// this node (its real kernel log, a pod with 3 zombies) taken once by the
// collector's snapshotter, then 50 questions about 50 pods of that node, each
// with its API layer (the pod, its node, events), as the incident-load rounds
// of `ha` ask them:
// - each question decoding its own copy of the snapshot bytes (what every
//   question did before the bot's single-flight, and what 50 questions about
//   50 nodes still do), then investigating (evidence, diagnosis, narrowing);
// - all 50 answered from one decoded snapshot (one in-flight call joined).
// Then the same for 20 questions about the whole node ("what's wrong with
// node X", 10,000 threads of its own on it): each decoding its own copy, or
// all from one.
// Rounds are repeated and the median per question printed; CPU is
// process.cpuUsage (this thread and V8's helpers: GC included).
require('./ts-hook');
const { join } = require('node:path');
const { median, spawnShape } = require('./lib');

const root = join(__dirname, '..');
const req = (p) => require(join(root, p));
const QUESTIONS = 50;
const ROUNDS = Number(process.env.BENCH_PIPELINE_ROUNDS ?? 15);

module.exports = async function botPipelineBench() {
  const { createPodCgroup } = req('test/helpers/kernel/pod-cgroup.ts');
  const { spawnZombies } = req('test/helpers/kernel/processes.ts');
  const { cleanupAll } = req('test/helpers/kernel/cleanup.ts');
  const { startFakeKubeApi } = req('test/helpers/bot/fake-kube-api.ts');
  const { createSnapshotter } = req('collector/src/snapshot/snapshotter.ts');
  const { snapshotCodec } = req('collector/src/proto/snapshot-codec.ts');
  const { createKubeLookup } = req('bot/src/kube/pod-lookup.ts');
  const { diagnoseSnapshot } = req('bot/src/diagnosis/entry.ts');

  const kube = await startFakeKubeApi();
  const snapshotter = createSnapshotter();
  const threads = await spawnShape(10, 1000); // its own 10,000 threads, whatever else runs
  try {
    const pod = createPodCgroup();
    await spawnZombies(3, pod);
    const { bytes } = await snapshotter.snapshotBytes({ scope: 'pod_uid', pod_uid: pod.podUid });
    const codec = snapshotCodec();
    const sample = codec.decode(bytes);
    kube.addNode({ name: 'node-a' });
    const lookup = createKubeLookup({ kubeconfig: kube.kubeconfig });
    const asked = [];
    for (let i = 0; i < QUESTIONS; i++) {
      kube.addPod({ namespace: 'one', name: `web-${i}`, uid: pod.podUid, nodeName: 'node-a' });
      for (let e = 0; e < 4; e++)
        kube.addEvent({ namespace: 'one', involved: { kind: 'Pod', name: `web-${i}`, uid: pod.podUid }, type: 'Warning', reason: 'BackOff', message: `event ${e}`, count: e + 1 });
    }
    for (let i = 0; i < QUESTIONS; i++) {
      const got = await lookup.getPod('one', `web-${i}`);
      if (got.status !== 'ok') throw new Error(`pod web-${i}: ${got.message}`);
      asked.push({ pod: got.value, api: lookup.readLayer ? await lookup.readLayer(got.value).settle(5000) : undefined });
    }
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const perQuestion = (fn, questions = QUESTIONS, rounds = ROUNDS) => {
      const out = [];
      for (let r = 0; r < rounds; r++) {
        const c0 = cpu();
        fn();
        if (r > 1) out.push((cpu() - c0) / questions); // two warm-up rounds
      }
      return median(out);
    };
    let summaries = [];
    const eachDecodes = perQuestion(() => {
      summaries = asked.map((q) => diagnoseSnapshot(codec.decode(bytes), { kind: 'pod', ...q }).diagnosis.summary);
    });
    const decodeOnly = perQuestion(() => {
      for (let i = 0; i < QUESTIONS; i++) codec.decode(bytes);
    });
    const sharedSnapshot = perQuestion(() => {
      const snap = codec.decode(bytes);
      summaries = asked.map((q) => diagnoseSnapshot(snap, { kind: 'pod', ...q }).diagnosis.summary);
    });
    // The whole node, 10,000 threads: 20 questions at once.
    const whole = await snapshotter.snapshotBytes({ scope: 'whole_node', whole_node: true });
    const NODE_QUESTIONS = 20;
    const nodeRounds = 5;
    let nodeSummary = '';
    const nodeEach = perQuestion(
      () => {
        for (let i = 0; i < NODE_QUESTIONS; i++) nodeSummary = diagnoseSnapshot(codec.decode(whole.bytes), { kind: 'node', node: 'node-a' }).diagnosis.summary;
      },
      NODE_QUESTIONS,
      nodeRounds,
    );
    const nodeShared = perQuestion(
      () => {
        const snap = codec.decode(whole.bytes);
        for (let i = 0; i < NODE_QUESTIONS; i++) nodeSummary = diagnoseSnapshot(snap, { kind: 'node', node: 'node-a' }).diagnosis.summary;
      },
      NODE_QUESTIONS,
      nodeRounds,
    );
    return {
      name: `Bot pipeline: CPU per question in this process (${QUESTIONS} pods on one node; median of ${ROUNDS - 2} rounds, ${nodeRounds - 2} for the whole node)`,
      ok: true,
      figures: {
        'snapshot: tasks / kernel-log records / bytes': `${(sample.tasks ?? []).length} / ${(sample.kmsg ?? []).length} / ${bytes.length}`,
        'each question decodes its own copy, then investigates (ms)': eachDecodes.toFixed(2),
        '  of which decoding the snapshot (ms)': decodeOnly.toFixed(2),
        'one decoded snapshot shared by the 50 (ms)': sharedSnapshot.toFixed(2),
        'answer (first pod)': summaries[0],
        [`whole node (${whole.taskCount} tasks, ${whole.bytes.length} bytes): ${NODE_QUESTIONS} questions each decoding its own copy (ms)`]: nodeEach.toFixed(1),
        [`whole node: ${NODE_QUESTIONS} questions from one decoded snapshot (ms)`]: nodeShared.toFixed(1),
        'answer (node)': nodeSummary.slice(0, 100),
      },
    };
  } finally {
    threads.kill();
    await snapshotter.close();
    await cleanupAll();
    await kube.close();
  }
};
