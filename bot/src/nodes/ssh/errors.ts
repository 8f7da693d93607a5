/**
 * Error codes of the SSH fallback. Transport calls (connect, run a script,
 * snapshot, signal) return an `SshResult` instead of throwing; inputs that are
 * read once at start (a target, a key, a known_hosts file) return a
 * `Checked` value whose message names the fix.
 */
export type SshErrorCode =
  | 'BAD_TARGET'
  | 'BAD_KEY'
  | 'BAD_KNOWN_HOSTS'
  | 'BAD_FINGERPRINT'
  | 'BAD_REQUEST'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  | 'HOST_KEY_REVOKED'
  | 'AUTH_FAILED'
  | 'UNREACHABLE'
  | 'CONNECT_TIMEOUT'
  | 'COMMAND_TIMEOUT'
  | 'SCRIPT_FAILED'
  | 'OUTPUT_TOO_LARGE';

/** A check of one input: the value, or what is wrong with it and how to fix it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; code: SshErrorCode; message: string };

/**
 * What a call over SSH returns. `unreachable` means the node could not be
 * reached at all (network, refused, handshake timeout); `rejected` means it was
 * reached and something refused or failed (host key, authentication, the
 * remote script, a deadline). Shaped like the collector client's `CallResult`,
 * so a caller can treat both transports alike.
 */
export type SshResult<T> =
  | { status: 'ok'; value: T }
  | { status: 'unreachable'; code: 'UNREACHABLE' | 'CONNECT_TIMEOUT'; address: string; message: string; mayHaveSignalled?: boolean }
  | {
      status: 'rejected';
      code: SshErrorCode;
      address: string;
      message: string;
      fingerprint?: string;
      /** The failure came after the signal script started on the node: its `kill` may have run. */ mayHaveSignalled?: boolean;
    };

export type SshFailure = Exclude<SshResult<never>, { status: 'ok' }>;

export const invalid = <T>(code: SshErrorCode, message: string): Checked<T> => ({ ok: false, code, message });

/** Thrown only for programmer errors: a script argument that is not a fixed word or an integer. */
export class UnsafeScriptArgumentError extends Error {
  override readonly name = 'UnsafeScriptArgumentError';
  readonly code = 'BAD_REQUEST';
  constructor(arg: string) {
    super(`refusing to put ${JSON.stringify(arg)} on a remote command line: only fixed words and decimal integers go there`);
  }
}
