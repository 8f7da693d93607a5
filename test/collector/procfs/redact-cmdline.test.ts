import { redactCmdline } from '../../../collector/src/procfs/redact-cmdline';

describe('redactCmdline', () => {
  const argv = (...a: string[]): string => `${a.join('\0')}\0`;

  it('keeps ordinary arguments', () => {
    expect(redactCmdline(argv('/bin/prometheus', '--config.file=/etc/prometheus.yml', '--web.listen-address=:9090'))).toBe(
      '/bin/prometheus --config.file=/etc/prometheus.yml --web.listen-address=:9090',
    );
  });

  it('redacts secrets given as flag=value, flag value, env-style pairs and URLs', () => {
    const out = redactCmdline(argv('app', '--password=hunter2', '--api-key', 'AKIA123', 'DB_PASSWORD=pw', 'postgres://u:s3cret@db/x', 'Bearer abc.def'));
    expect(out).not.toMatch(/hunter2|AKIA123|=pw\b|s3cret|abc\.def/);
    expect(out).toContain('--password=<redacted>');
    expect(out).toContain('--api-key <redacted>');
    expect(out).toContain('postgres://<redacted>@db/x');
  });

  it('redacts the short flags that carry a secret in the programs that use them', () => {
    expect(redactCmdline(argv('/usr/bin/mysql', '-uroot', '-pS3cretPw', '-h', 'db'))).toBe('/usr/bin/mysql -uroot -p<redacted> -h db');
    expect(redactCmdline(argv('mysql', '-u', 'root', '-p'))).toBe('mysql -u root -p');
    expect(redactCmdline(argv('sshpass', '-p', 'hunter2', 'ssh', 'host'))).toBe('sshpass -p <redacted> ssh host');
    expect(redactCmdline(argv('sshpass', '-phunter2', 'ssh', 'host'))).toBe('sshpass -p<redacted> ssh host');
    expect(redactCmdline(argv('curl', '-u', 'alice:wonder', 'https://x'))).toBe('curl -u alice:<redacted> https://x');
    expect(redactCmdline(argv('curl', '--user', 'alice:wonder', 'https://x'))).toBe('curl --user alice:<redacted> https://x');
    expect(redactCmdline(argv('curl', '-ualice:wonder', 'https://x'))).toBe('curl -ualice:<redacted> https://x');
    expect(redactCmdline(argv('redis-cli', '-h', 'r', '-a', 'p4ss', 'PING'))).toBe('redis-cli -h r -a <redacted> PING');
    // The same letters mean nothing secret in other programs.
    expect(redactCmdline(argv('ps', '-p', '1234'))).toBe('ps -p 1234');
    expect(redactCmdline(argv('grep', '-a', 'x'))).toBe('grep -a x');
  });

  it('redacts --pwd and --key values, Basic credentials and JWTs', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const out = redactCmdline(argv('app', '--pwd', 'pw1', '--key', '/etc/k.pem', '-H', 'Authorization: Basic dXNlcjpwYXNz', `--id-token=${jwt}`, jwt));
    expect(out).not.toMatch(/pw1|k\.pem|dXNlcjpwYXNz|eyJhbGci/);
    expect(out).toContain('--pwd <redacted>');
    expect(out).toContain('Authorization: Basic <redacted>');
  });
});
