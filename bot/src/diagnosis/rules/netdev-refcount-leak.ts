import { finding, type Rule } from '../rule';

/** "unregister_netdevice: waiting for X to become free": a device whose references never drop. */
export const netdevRefcountLeak: Rule = {
  id: 'netdev-refcount-leak',
  run(ctx) {
    return ctx.ev.notes
      .filter((n) => n.kind === 'netdev-refcount')
      .map((n) =>
        finding({
          id: 'netdev-refcount-leak',
          severity: 'warning',
          confidence: 0.9,
          title: `Network device ${n.target} cannot be unregistered (reference leak)`,
          explanation: `The kernel waits for the last references to ${n.target} to be dropped before it can unregister it (reported ${n.count} time(s)). While it waits, the network-namespace teardown of the pod that owned it cannot finish, and commands that take the RTNL lock (ip, CNI plugins, container creation) can hang behind it.`,
          evidence: n.count > 1 ? [n.first.text, `${n.last.text} (×${n.count})`] : [n.first.text],
          remediations: [
            {
              action: 'manual',
              effective: 'unknown',
              risk: 'high',
              why: 'A leaked reference is a kernel bug (often in conntrack, IPv6, or a tunnel/veth driver); no signal releases it. Drain the node and reboot it, and check for a kernel update that fixes the leak.',
              command: 'kubectl drain NODE --ignore-daemonsets',
            },
          ],
        }),
      );
  },
};
