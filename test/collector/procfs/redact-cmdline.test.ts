import { redactCmdline } from '../../../collector/src/procfs/redact-cmdline';

describe('redactCmdline', () => {
  const argv = (...a: string[]): string => `${a.join('\0')}\0`;

  it('keeps ordinary arguments', () => {
    expect(redactCmdline(argv('/bin/prometheus', '--config.file=/etc/prometheus.yml', '--web.listen-address=:9090'))).toBe('/bin/prometheus --config.file=/etc/prometheus.yml --web.listen-address=:9090');
  });

  it('redacts secrets given as flag=value, flag value, env-style pairs and URLs', () => {
    const out = redactCmdline(argv('app', '--password=hunter2', '--api-key', 'AKIA123', 'DB_PASSWORD=pw', 'postgres://u:s3cret@db/x', 'Bearer abc.def'));
    expect(out).not.toMatch(/hunter2|AKIA123|=pw\b|s3cret|abc\.def/);
    expect(out).toContain('--password=<redacted>');
    expect(out).toContain('--api-key <redacted>');
    expect(out).toContain('postgres://<redacted>@db/x');
  });
});
