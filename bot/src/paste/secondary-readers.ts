import type { EvidenceBuilder } from '../evidence/evidence-builder';
import { createCgroupReader } from './cgroup-files';
import { createKubeReader } from './kube-objects';
import { createPerfReader } from './perf-reader';
import { statedFacts } from './prose-facts';
import { fileArgs, procTarget, type ShellCommand } from './shell-context';
import { createStraceReader } from './strace-reader';
import { createUsageReader } from './usage-tables';
import { createUserStackReader } from './user-stack-reader';

/**
 * The readers behind the main ones, in one place for the paste reader:
 * strace, debugger backtraces (gdb, pstack, eu-stack), perf, Kubernetes
 * objects (kubectl, events, kubelet lines), docker stats / kubectl top,
 * memory-cgroup files, and — last of all — prose.
 *   line()  runs early, on every line without a log prefix: only lines in the
 *           context of a command (strace, kubectl, perf, cat FILE) or of an
 *           unmistakable shape are taken; everything else costs a few
 *           character tests.
 *   last()  runs when no reader took the line: bare cgroup keys, then prose.
 */
export interface SecondaryReaders {
  command(cmd: ShellCommand, n: number): void;
  line(text: string, n: number): string | null;
  last(text: string, n: number): string | null;
  /** A syslog / journal line of a program other than the kernel (the prefix already split off). */
  logLine(log: { program: string; host?: string; text: string }): void;
  finish(): void;
}

const MAX_STATED = 500;
const FILE_PROGRAMS = new Set(['cat', 'grep', 'egrep', 'head', 'tail', 'less']);
/** `perf` is not a command the shell-line reader knows: "$ sudo perf report --stdio". */
const PERF_COMMAND = /^(?:\S*[#$%>]\s*)?(?:sudo\s+)?perf\s+(report|script|top)\b(.*)$/;

export function createSecondaryReaders(b: EvidenceBuilder): SecondaryReaders {
  const strace = createStraceReader(b);
  const perf = createPerfReader(b);
  const stacks = createUserStackReader(b);
  const kube = createKubeReader(b);
  const usage = createUsageReader(b);
  const cgroup = createCgroupReader(b);
  let cwd: string | undefined;
  let lastCommand: { text: string; line: number } | null = null;

  function command(program: string, args: string, raw: string, n: number): void {
    strace.command(program, args);
    stacks.command(program, args);
    perf.command(program, args);
    kube.command(program, args);
    usage.command(program, args);
    lastCommand = { text: raw.trim(), line: n };
  }

  return {
    command(cmd, n) {
      cwd = cmd.cwd ?? cwd;
      command(cmd.program, cmd.args, cmd.raw, n);
      let file: string | undefined;
      if (FILE_PROGRAMS.has(cmd.program)) {
        const files = fileArgs(cmd);
        const target = files.length === 1 ? procTarget(cwd, files[0].replace(/^['"]|['"]$/g, '')) : null;
        file = target?.path;
      }
      cgroup.command(file);
    },
    line(text, n) {
      let kind: string | null;
      if ((kind = strace.line(text, n))) {
        if (kind === 'command') lastCommand = { text: text.trim(), line: n };
        return kind;
      }
      if (strace.active) strace.end();
      if ((kind = stacks.line(text, n))) {
        if (kind === 'command') lastCommand = { text: text.trim(), line: n };
        return kind;
      }
      if (text.length < 400 && text.slice(0, 80).includes('perf ')) {
        const m = PERF_COMMAND.exec(text.trim());
        if (m) {
          command('perf', `${m[1]}${m[2]}`, text, n);
          return 'command';
        }
      }
      if ((kind = perf.line(text))) return kind;
      perf.end();
      if ((kind = kube.line(text))) return kind;
      if ((kind = usage.line(text))) return kind;
      if ((kind = cgroup.line(text, n))) return kind;
      return null;
    },
    last(text, n) {
      const bare = cgroup.bare(text, n);
      if (bare) return bare;
      cgroup.end();
      if (b.evidence.stated.length >= MAX_STATED) return null;
      const facts = statedFacts(text, n, { lastCommand: lastCommand && lastCommand.line === n - 1 ? lastCommand.text : undefined });
      if (!facts.length) return null;
      for (const f of facts) if (b.evidence.stated.length < MAX_STATED) b.evidence.stated.push(f);
      return 'prose';
    },
    logLine(log) {
      kube.logLine(log.program, log.host, log.text);
    },
    finish() {
      strace.finish();
      stacks.finish();
      perf.finish();
      kube.end();
      cgroup.finish();
    },
  };
}
