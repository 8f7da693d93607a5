/** Error codes of the collector; one class per code (programmer-facing). */
export type CollectorErrorCode = 'INVALID_ARGUMENT' | 'INSECURE_LISTEN' | 'BAD_CONFIG' | 'TLS_FILES';

export class CollectorError extends Error {
  constructor(
    readonly code: CollectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CollectorError';
  }
}

export class InvalidArgumentError extends CollectorError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

export class InsecureListenError extends CollectorError {
  constructor(host: string) {
    super('INSECURE_LISTEN', `--insecure is refused for ${host}: plaintext is only allowed on a loopback address (127.0.0.1, ::1, localhost); give --tls-cert, --tls-key and --tls-ca instead`);
  }
}

export class BadConfigError extends CollectorError {
  constructor(message: string) {
    super('BAD_CONFIG', message);
  }
}
