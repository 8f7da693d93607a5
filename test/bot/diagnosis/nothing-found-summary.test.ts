import { diagnose } from '../../../bot/src/diagnosis/engine';
import { parsePaste } from '../../../bot/src/paste/paste-reader';

/** "Nothing stuck" is an answer only about evidence that was read; otherwise the summary says what was not. */
describe('the summary when no finding is made', () => {
  it('says nothing is stuck when a whole listing was read and shows nothing stuck', () => {
    const d = diagnose(
      parsePaste(
        [
          'USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
          'root         1  0.0  0.1 168000 11000 ?        Ss   10:00   0:01 /sbin/init',
          'root       812  0.0  0.1  15000  7000 ?        Ss   10:00   0:00 /usr/sbin/sshd -D',
        ].join('\n'),
      ),
    );
    expect(d.findings).toEqual([]);
    expect(d.summary).toMatch(/^Nothing stuck:/);
  });

  it('names the cut it could not read instead of "Nothing stuck"', () => {
    const d = diagnose(parsePaste(['  PID TTY      STAT   TIME COMMAND', '[...]', ' 4411 ?        S      0:00 nginx: worker process'].join('\n')));
    expect(d.findings).toEqual([]);
    expect(d.summary).not.toMatch(/^Nothing stuck:/);
    expect(d.summary).toContain('line 2 (cut from the paste');
  });

  it('says what the text claims when the input holds no evidence of it, and what to paste', () => {
    const d = diagnose(parsePaste('Our pod is stuck in Terminating and kill -9 does nothing.\nThe main process is in D state.'));
    expect(d.findings).toEqual([]);
    expect(d.summary).toContain('Nothing in this input could be read');
    expect(d.summary).toContain('The text says "Our pod is stuck in Terminating');
    expect(d.summary).toContain('cat /proc/PID/stack');
  });

  it('names rows shaped like a process table that no layout reads', () => {
    const d = diagnose(parsePaste(['notes before', '1234 9 Z 0:00 12 ?? 7 x y', '5555 9 D 0:00 12 ?? 7 x y z', 'notes after'].join('\n')));
    expect(d.findings).toEqual([]);
    expect(d.summary).toContain('Could not read lines 2–3 (a process-table row no column layout fits)');
  });
});
