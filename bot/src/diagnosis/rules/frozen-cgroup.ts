import { name, taskEvidence, taskRef } from '../context';
import { finding, plural, type Rule } from '../rule';
import { shellQuote } from '../shell-quote';

/** Tasks held by the cgroup freezer: they look like D on v1, but nothing is wrong with I/O. */
export const frozenCgroup: Rule = {
  id: 'frozen-cgroup',
  run(ctx) {
    const frozen = ctx.tasks.filter((t) => ctx.isFrozen(t));
    const cgroups = ctx.ev.node.freezers.filter((f) => f.state === 'FROZEN' || f.state === 'FREEZING');
    if (!frozen.length && !cgroups.length) return [];
    const where = cgroups.map((c) => (c.podUid ? `pod ${c.podUid}` : c.path));
    const v2 = cgroups.some((c) => /cgroup\.events|unified|^\/sys\/fs\/cgroup\/kubepods/.test(c.path));
    return [
      finding({
        id: 'frozen-cgroup',
        severity: 'warning',
        confidence: cgroups.length ? 0.95 : 0.8,
        title: `Frozen cgroup: ${plural(frozen.length, 'task')} held by the freezer${where.length ? ` (${where.slice(0, 3).join(', ')})` : ''}`,
        explanation: `${frozen.length ? `${frozen.slice(0, 5).map(name).join(', ')} ${frozen.length === 1 ? 'is' : 'are'} frozen` : 'A cgroup is frozen'}${cgroups.length ? `: ${cgroups.map((c) => `${c.path} is ${c.state}`).join('; ')}` : ''}. Frozen tasks show state D on cgroup v1 (with an ordinary wait channel or __refrigerator) but wait for nothing but a thaw — this is not an I/O problem. Something froze them on purpose (a checkpoint, a backup hook, \`docker pause\`/\`crictl\`, or a runtime that crashed mid-operation).`,
        evidence: [...cgroups.map((c) => `${c.path}: ${c.state}`), ...frozen.slice(0, 5).flatMap((t) => taskEvidence(t, 3))],
        tasks: frozen.slice(0, 10).map((t) => taskRef(t, 'victim')),
        remediations: [
          {
            action: 'manual',
            effective: 'yes',
            risk: 'medium',
            why: 'Thaw the cgroup once whoever froze it is done (or gone); the tasks continue where they stopped. Signals (even SIGKILL) are only acted on after the thaw.',
            // The cgroup path may be named from inside a container: quoted, never bare.
            command: cgroups[0]
              ? v2
                ? `echo 0 > ${shellQuote(`${cgroups[0].path}/cgroup.freeze`)}`
                : `echo THAWED > ${shellQuote(`${cgroups[0].path}/freezer.state`)}`
              : 'echo THAWED > /sys/fs/cgroup/freezer/PATH/freezer.state',
          },
        ],
      }),
    ];
  },
};
