/**
 * Errors from the runtime's stop / kill / remove path, in whatever log shape
 * they arrive (kubelet klog, containerd / CRI-O logfmt or JSON, events,
 * quoted in a sentence): the kubelet retries them and the pod stays
 * Terminating. What they name is the target: the CRI call, or the CNI plugin
 * when network teardown is what fails.
 */
export interface RuntimeError {
  /** "KillPodSandbox", "StopContainer", "cni aws-cni", "stop timeout". */
  target: string;
  why: 'deadline' | 'cni' | 'shim' | 'stop-timeout' | 'error';
}

const CRI_CALL = /\b(KillPodSandbox|KillContainer|StopPodSandbox|StopContainer|RemovePodSandbox|RemoveContainer)\b/;
const FAILED = /fail|[Ee]rror|DeadlineExceeded|deadline exceeded|timed out|timeout/;
const CNI_PLUGIN = /plugin type=\\?"([\w.-]+)\\?"/;

/** Cheap test first: most lines of a paste are kernel log lines that mention none of these. */
const HINT = /Kill|Stop|kill|destroy network|DelNetwork|stop signal|shim/;

export function classifyRuntimeError(line: string): RuntimeError | null {
  if (!HINT.test(line)) return null;
  let m: RegExpExecArray | null;
  if (line.includes('destroy network for sandbox') || (line.includes('DelNetwork') && FAILED.test(line))) {
    m = CNI_PLUGIN.exec(line);
    return { target: `cni ${m ? m[1] : 'plugin'}`, why: 'cni' };
  }
  if (/ttrpc: closed|shim (?:disconnected|exited|is gone)|failed to connect to shim|shim not found/.test(line)) return { target: 'containerd-shim', why: 'shim' };
  if (/with stop signal timed out|timeout reached after \d+ seconds waiting for container/.test(line)) return { target: 'StopContainer', why: 'stop-timeout' };
  if (/error killing pod|FailedKillPod|KillPodSandboxError|failed to (?:kill|stop) (?:container|pod|sandbox)|to be killed/.test(line) || ((m = CRI_CALL.exec(line)) && FAILED.test(line))) {
    const call = CRI_CALL.exec(line)?.[1] ?? 'KillPod';
    return { target: call, why: /DeadlineExceeded|deadline exceeded/.test(line) ? 'deadline' : 'error' };
  }
  return null;
}
