import { parseKmsgRecord } from '../../../collector/src/kmsg/parse-kmsg-record';

describe('parseKmsgRecord', () => {
  it('splits prefix, sequence, time, caller, text and dictionary lines', () => {
    const r = parseKmsgRecord('3,1234,5678901000,-,caller=T42;INFO: task prometheus:22103 blocked for more than 120 seconds.\n SUBSYSTEM=block\n DEVICE=b252:0\n', 1_700_000_000_000);
    expect(r).toEqual({
      seq: '1234',
      level: 3,
      facility: 0,
      monotonic_us: '5678901000',
      wall_time_unix_ms: String(1_700_000_000_000 + 5678901),
      text: 'INFO: task prometheus:22103 blocked for more than 120 seconds.',
      continuation: ['SUBSYSTEM=block', 'DEVICE=b252:0'],
      caller: 'T42',
    });
  });

  it('decodes \\xNN escapes and user facility', () => {
    const r = parseKmsgRecord('14,7,100,-;tab\\x09here\n', 0);
    expect(r).toMatchObject({ level: 6, facility: 1, text: 'tab\there' });
  });

  it('rejects garbage', () => {
    expect(parseKmsgRecord('no semicolon', 0)).toBeNull();
    expect(parseKmsgRecord('x,y,z;text', 0)).toBeNull();
  });
});
