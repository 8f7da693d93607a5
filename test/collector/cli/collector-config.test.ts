import { loadCollectorConfig } from '../../../collector/src/cli/collector-config';

describe('collector flags', () => {
  it('parses a mutual-TLS configuration', () => {
    const c = loadCollectorConfig(['--listen', '0.0.0.0:7443', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-ca', 'ca.pem', '--read-deadline-ms', '500'], { NODE_NAME: 'node-7' });
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 7443,
      insecure: false,
      procRoot: '/proc',
      botIdentity: 'spiffe://whystuck/bot',
      nodeName: 'node-7',
      logLevel: 'info',
      readDeadlineMs: 500,
      allowHostProcesses: false,
    });
  });

  it("knows its node from --node-name, else NODE_NAME (the DaemonSet's downward API), else the hostname; refuses the old CN-based flag", () => {
    expect(loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure', '--node-name', 'node-b'], { NODE_NAME: 'node-7' }).nodeName).toBe('node-b');
    expect(loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure'], {}).nodeName).toBe(require('node:os').hostname().toLowerCase());
    expect(() => loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure', '--node-name', 'Bad_Name'], {})).toThrow(/bad nodeName/);
    expect(() => loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure', '--remediation-clients', 'whystuck-bot'], {})).toThrow(/--bot-identity/);
    expect(() => loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure', '--bot-identity', 'whystuck-bot'], {})).toThrow(/bad botIdentity/);
    expect(loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure', '--bot-identity', 'spiffe://corp/whystuck-bot'], {}).botIdentity).toBe('spiffe://corp/whystuck-bot');
  });

  it("--reader-identity: the read-only identity, spiffe://whystuck/reader by default; empty disables it; never the bot's", () => {
    const base = ['--listen', '127.0.0.1:1', '--insecure'];
    expect(loadCollectorConfig(base, {}).readerIdentity).toBe('spiffe://whystuck/reader');
    expect(loadCollectorConfig([...base, '--reader-identity', 'spiffe://corp/readers'], {}).readerIdentity).toBe('spiffe://corp/readers');
    expect(loadCollectorConfig([...base, '--reader-identity='], {}).readerIdentity).toBe('');
    expect(loadCollectorConfig([...base, '--reader-identity', ''], {}).readerIdentity).toBe('');
    expect(() => loadCollectorConfig([...base, '--reader-identity', 'whystuck-reader'], {})).toThrow(/bad readerIdentity/);
    expect(() => loadCollectorConfig([...base, '--reader-identity', 'spiffe://whystuck/bot'], {})).toThrow(/bad readerIdentity: the same as --bot-identity/);
  });

  it('takes the log level from WHYSTUCK_LOG_LEVEL unless the flag says otherwise', () => {
    expect(loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure'], { WHYSTUCK_LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(loadCollectorConfig(['--listen', '127.0.0.1:1', '--insecure', '--log-level', 'debug'], { WHYSTUCK_LOG_LEVEL: 'warn' }).logLevel).toBe('debug');
  });

  it.each([
    [['--listen', 'nowhere'], /bad listen: expected HOST:PORT/],
    [['--listen', '127.0.0.1:99999', '--insecure'], /port 99999 is above 65535/],
    [['--listen', '127.0.0.1:1', '--insecure', '--proc-root', 'proc'], /bad procRoot: an absolute path/],
    [['--listen', '127.0.0.1:1', '--insecure', '--log-level', 'loud'], /bad logLevel: one of trace, debug/],
    [['--listen', '127.0.0.1:1', '--insecure', '--read-deadline-ms', '5'], /bad readDeadlineMs/],
    [['--listen', '127.0.0.1:1', '--insecure', '--read-deadline-ms', 'soon'], /bad readDeadlineMs/],
    [['--listen', '127.0.0.1:1', '--tls-cert', 'c.pem'], /needs all three of --tls-cert, --tls-key and --tls-ca/],
    [['--listen', '127.0.0.1:1'], /needs --tls-cert, --tls-key and --tls-ca \(mutual TLS\), or --insecure/],
    [['--listen', '0.0.0.0:7443', '--insecure'], /0\.0\.0\.0/],
    [['--listen', '127.0.0.1:1', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with a message that names the problem', (argv, message) => {
    expect(() => loadCollectorConfig(argv as string[], {})).toThrow(message);
  });
});
