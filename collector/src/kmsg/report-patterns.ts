/**
 * Headlines of the kernel's own reports, on the message text (prefix already
 * stripped). Shared by the collector's watch mode, which classifies records
 * as it reads them, and the bot's kernel-log reader, which also assembles
 * each report's following lines into evidence.
 */
export const HUNG = /INFO: task (.+):(\d+) blocked for more than (\d+) seconds/;
export const SOFT = /BUG: soft lockup - CPU#(\d+) stuck for (\d+)s! \[(.+):(\d+)\]/;
export const HARD = /[Ww]atchdog detected hard LOCKUP on cpu (\d+)/;
export const RCU = /\b(rcu_\w+|rcu) (?:detected stalls? on CPUs\/tasks|self-detected stall on CPU)|INFO: (rcu_\w+) (?:detected|self-detected) stall/;
export const OOM_KILLED = /(?:Memory cgroup out of memory|Out of memory(?: \(oom_kill_allocating_task\))?): Kill(?:ed)? process (\d+) \((.+?)\)|^Killed process (\d+) \((.+?)\)/;
export const OOM_KILL_LINE = /oom-kill:constraint=(\w+).*?(?:oom_memcg=([^,]+))?,task_memcg=([^,]+)/;
export const NETDEV = /unregister_netdevice: waiting for (\S+) (?:\(netns \S+\) )?to become free\. Usage count = (-?\d+)/;
