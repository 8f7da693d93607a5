/**
 * The one-line errors grep, ls and dd print on standard error, turned back
 * into paths and errno codes: "grep: 12/task/12/stack: Permission denied",
 * "ls: cannot read symbolic link '1/ns/pid': Permission denied",
 * "dd: failed to open '/dev/kmsg': Operation not permitted" (GNU and busybox).
 */
export interface RemoteFileError {
  /** Absolute path ("/proc/12/task/12/stack"). */
  path: string;
  code: string;
  message: string;
}

const ERRNO: Record<string, string> = {
  'Permission denied': 'EACCES',
  'Operation not permitted': 'EPERM',
  'No such file or directory': 'ENOENT',
  'No such process': 'ESRCH',
  'Input/output error': 'EIO',
  'Resource temporarily unavailable': 'EAGAIN',
  'Broken pipe': 'EPIPE',
  'Invalid argument': 'EINVAL',
  'Too many open files': 'EMFILE',
  'Cannot allocate memory': 'ENOMEM',
};

const LINE = /^[\w.-]+: (?:[^']*'([^']+)'|([^:]+)): (.+)$/;

export function parseRemoteErrors(stderr: string): { errors: RemoteFileError[]; other: string[] } {
  const errors: RemoteFileError[] = [];
  const other: string[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.trim()) continue;
    const m = LINE.exec(line);
    const path = m ? (m[1] ?? m[2]).trim() : '';
    if (!m || !path) {
      other.push(line);
      continue;
    }
    const message = m[3].trim();
    errors.push({ path: path.startsWith('/') ? path : `/proc/${path}`, code: ERRNO[message] ?? 'EIO', message });
  }
  return { errors, other };
}

/** The pid and tid a /proc path is about (0 when it is not about a task). */
export function taskOfPath(path: string): { pid: number; tid: number } {
  const m = /^\/proc\/(\d+)(?:\/task\/(\d+))?\//.exec(path);
  return m ? { pid: Number(m[1]), tid: Number(m[2] ?? m[1]) } : { pid: 0, tid: 0 };
}
