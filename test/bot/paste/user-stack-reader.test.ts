import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Evidence, Task } from '../../../bot/src/evidence/evidence';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { parseFrameBody, parseNumberedFrame } from '../../../bot/src/paste/user-backtrace-lines';

const paste = (...lines: string[]): string => lines.join('\n');
const task = (ev: Evidence, tid: number): Task | undefined => ev.tasks.find((t) => t.tid === tid);
const fns = (t: Task | undefined): string[] => (t?.userStack ?? []).map((f) => f.fn);
const unrecognised = (ev: Evidence): number[][] => ev.inputs.filter((i) => i.kind === 'unrecognised').map((i) => i.lines);

describe('user-space backtraces: one frame line', () => {
  it('reads gdb frames with and without an address, C++ names, `from` and `at`, a cut argument list', () => {
    expect(parseNumberedFrame('#0  0x00007f8c706faa0c in __libc_waitpid (pid=9124, stat_loc=0x7fffc2f6e658, options=0) at ../sysdeps/unix/sysv/linux/waitpid.c:31')).toEqual({
      n: 0,
      addr: '0x00007f8c706faa0c',
      open: false,
      frame: { fn: '__libc_waitpid', args: 'pid=9124, stat_loc=0x7fffc2f6e658, options=0', where: '../sysdeps/unix/sysv/linux/waitpid.c:31' },
    });
    expect(parseNumberedFrame('#3  0x0000000000409f85 in Pid1Main(void*) ()')?.frame).toEqual({ fn: 'Pid1Main(void*)', args: '' });
    expect(parseNumberedFrame('#1  __GI___sigwait (set=<optimized out>, sig=0x7f8c7141cf5c) at sigwait.c:93')?.frame).toEqual({
      fn: '__GI___sigwait',
      args: 'set=<optimized out>, sig=0x7f8c7141cf5c',
      where: 'sigwait.c:93',
    });
    expect(parseNumberedFrame('#0  0x00007f9a4a3b0a35 in pthread_cond_wait@@GLIBC_2.3.2 () from /lib64/libpthread.so.0')?.frame).toEqual({
      fn: 'pthread_cond_wait@@GLIBC_2.3.2',
      args: '',
      where: '/lib64/libpthread.so.0',
    });
    expect(parseNumberedFrame('  #12 0x000055d0c1a2b3f4 in std::thread::_State_impl<std::thread::_Invoker<std::tuple<void (*)(int), int> > >::_M_run() ()')?.frame.fn).toBe(
      'std::thread::_State_impl<std::thread::_Invoker<std::tuple<void (*)(int), int> > >::_M_run()',
    );
    expect(parseNumberedFrame('#0  0x00007f8c706faa0c in __libc_waitpid (pid=6105, stat_loc=0x7fff')).toMatchObject({ open: true, frame: { fn: '__libc_waitpid', args: 'pid=6105, stat_loc=0x7fff' } });
    // eu-stack: an address and a name.
    expect(parseNumberedFrame('#0  0x00007fd1a1c4a5bf __poll')?.frame).toEqual({ fn: '__poll' });
    // gdb's stop line after attaching has no number.
    expect(parseFrameBody('0x00007f3c9c8e7c3d in __GI___wait4 (pid=5120, stat_loc=0x0, options=0, usage=0x0) at wait4.c:27', 0)?.frame.fn).toBe('__GI___wait4');
  });

  it('is not a crash `bt` frame, an issue number, or a numbered sentence', () => {
    expect(parseNumberedFrame(' #1 [ffffb6e8c0b3fd10] schedule at ffffffffa5c5c9c8')).toBeNull();
    expect(parseNumberedFrame('#1725')).toBeNull();
    expect(parseNumberedFrame('#1 fix (see below) first')).toBeNull();
    expect(parseNumberedFrame('#2 the worker hangs')).toBeNull();
  });
});

describe('user-space backtraces in a paste', () => {
  it("gdb -p with frame addresses: the stack and the wait are the attached process's; the child it waits for becomes a task", () => {
    const ev = parsePaste(
      paste(
        'root@node-4:~# gdb -p 4411 -batch -ex bt',
        'Attaching to process 4411',
        '[Thread debugging using libthread_db enabled]',
        'Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".',
        '0x00007f3c9c8e7c3d in __GI___wait4 (pid=pid@entry=5120, stat_loc=stat_loc@entry=0x7ffd2c1e8a4c, options=options@entry=0, usage=usage@entry=0x0) at ../sysdeps/unix/sysv/linux/wait4.c:27',
        '#0  0x00007f3c9c8e7c3d in __GI___wait4 (pid=pid@entry=5120, stat_loc=stat_loc@entry=0x7ffd2c1e8a4c, options=options@entry=0, usage=usage@entry=0x0)',
        '    at ../sysdeps/unix/sysv/linux/wait4.c:27',
        '#1  0x000055d0c1a2b3f4 in run_job (job=0x55d0c2b1c2a0) at src/runner.c:211',
        '#2  0x000055d0c1a2a1e0 in main (argc=3, argv=0x7ffd2c1e8c18) at src/main.c:88',
        '[Inferior 1 (process 4411) detached]',
      ),
    );
    const t = task(ev, 4411);
    expect(t).toMatchObject({ pid: 4411, userWait: { kind: 'child', pid: 5120, forChild: true } });
    expect(t?.provenance?.pid).toBeUndefined();
    expect(fns(t)).toEqual(['__GI___wait4', 'run_job', 'main']);
    // The wrapped "at" line belongs to frame #0.
    expect(t?.userStack?.[0].where).toBe('../sysdeps/unix/sysv/linux/wait4.c:27');
    expect(unrecognised(ev)).toEqual([]);
    diagnose(ev);
    expect(task(ev, 5120)).toMatchObject({ placeholder: 'waited-child', ppid: 4411 });
    expect(t?.state).toBe('S');
    expect(t?.provenance?.state).toBe('derived');
  });

  it('gdb without frame addresses (inlined frames)', () => {
    const ev = parsePaste(
      paste(
        '(gdb) bt',
        '#0  do_sigwait (sig=0x7f8c7141cf5c, set=<optimized out>) at ../sysdeps/unix/sysv/linux/sigwait.c:63',
        '#1  __GI___sigwait (set=<optimized out>, sig=0x7f8c7141cf5c) at ../sysdeps/unix/sysv/linux/sigwait.c:93',
        '#2  supervise_children (ctx=0x5555) at supervisor.c:120',
      ),
    );
    const t = ev.tasks.find((x) => x.userStack);
    expect(fns(t)).toEqual(['do_sigwait', '__GI___sigwait', 'supervise_children']);
    expect(t?.userWait).toEqual({ kind: 'signal', fn: 'do_sigwait', forChild: true });
  });

  it("thread apply all bt with several threads: one task per LWP, the process from gdb's thread 1 (derived)", () => {
    const ev = parsePaste(
      paste(
        '(gdb) thread apply all bt',
        '',
        'Thread 3 (Thread 0x7f1e2cff9700 (LWP 7203) "io-worker"):',
        '#0  0x00007f1e3a1d3bbf in __GI___poll (fds=0x7f1e2cff8e40, nfds=1, timeout=-1) at ../sysdeps/unix/sysv/linux/poll.c:29',
        '#1  0x000055e4b8c1d2a2 in io_loop (arg=0x0) at io.c:77',
        '#2  0x00007f1e3a2b8609 in start_thread (arg=<optimized out>) at pthread_create.c:477',
        '#3  0x00007f1e3a1e0133 in clone () at ../sysdeps/unix/sysv/linux/x86_64/clone.S:95',
        '',
        'Thread 2 (Thread 0x7f1e2d7fa700 (LWP 7202) "locker"):',
        '#0  __lll_lock_wait (futex=futex@entry=0x55e4b8e3a0c0 <state_lock>, private=0) at lowlevellock.c:52',
        '#1  0x00007f1e3a2bb0a3 in __GI___pthread_mutex_lock (mutex=0x55e4b8e3a0c0 <state_lock>) at ../nptl/pthread_mutex_lock.c:80',
        '#2  0x000055e4b8c1d5f0 in update_state () at state.c:40',
        '',
        'Thread 1 (Thread 0x7f1e3a0b6740 (LWP 7201) "server"):',
        '#0  0x00007f1e3a1a823f in __GI___clock_nanosleep (clock_id=clock_id@entry=0, flags=flags@entry=0, req=0x7ffc6d0e8e10, rem=0x7ffc6d0e8e10) at clock_nanosleep.c:78',
        '#1  0x00007f1e3a1adec7 in __GI___nanosleep (requested_time=<optimized out>, remaining=<optimized out>) at nanosleep.c:27',
        '#2  0x000055e4b8c1c9a1 in main () at server.c:120',
      ),
    );
    expect([7201, 7202, 7203].map((tid) => task(ev, tid)?.comm)).toEqual(['server', 'locker', 'io-worker']);
    for (const tid of [7201, 7202, 7203]) expect(task(ev, tid)).toMatchObject({ pid: 7201, provenance: { pid: 'derived' } });
    expect(task(ev, 7203)?.userWait?.kind).toBe('poll');
    expect(task(ev, 7202)?.userWait).toMatchObject({ kind: 'futex', fn: '__lll_lock_wait' });
    expect(task(ev, 7201)?.userWait?.kind).toBe('sleep');
    expect(fns(task(ev, 7203))).toEqual(['__GI___poll', 'io_loop', 'start_thread', 'clone']);
    expect(unrecognised(ev)).toEqual([]);
  });

  it("pstack PID: the pid is the command's (observed), frames `from` a library", () => {
    const ev = parsePaste(
      paste(
        '$ sudo pstack 2210',
        'Thread 2 (Thread 0x7f9a3f7fe700 (LWP 2211)):',
        '#0  0x00007f9a4a3b0a35 in pthread_cond_wait@@GLIBC_2.3.2 () from /lib64/libpthread.so.0',
        '#1  0x0000000000401b2c in worker ()',
        '#2  0x00007f9a4a3acea5 in start_thread () from /lib64/libpthread.so.0',
        '#3  0x00007f9a4a0d5b0d in clone () from /lib64/libc.so.6',
        'Thread 1 (Thread 0x7f9a4a7d4740 (LWP 2210)):',
        '#0  0x00007f9a4a09e1b9 in waitpid () from /lib64/libc.so.6',
        '#1  0x0000000000401a0f in main ()',
      ),
    );
    expect(task(ev, 2211)).toMatchObject({ pid: 2210, userWait: { kind: 'futex' } });
    expect(task(ev, 2211)?.provenance?.pid).toBeUndefined();
    // waitpid() without its arguments printed: waits for a child, which one is not known.
    expect(task(ev, 2210)?.userWait).toEqual({ kind: 'child', fn: 'waitpid', forChild: true });
  });

  it('eu-stack: PID and TID lines, address-and-name frames', () => {
    const ev = parsePaste(
      paste(
        '$ eu-stack -p 3300',
        'PID 3300 - process',
        'TID 3300:',
        '#0  0x00007fd1a1b8e1a3 __sigtimedwait',
        '#1  0x00007fd1a1b8d8f0 sigwait',
        '#2  0x000055f1c0b0a123 reap_children',
        '#3  0x000055f1c0b0a456 main',
        'TID 3301:',
        '#0  0x00007fd1a1c4a5bf __poll',
        '#1  0x000055f1c0b0b789 event_loop',
      ),
    );
    expect(task(ev, 3300)).toMatchObject({ pid: 3300, userWait: { kind: 'signal', forChild: true } });
    expect(task(ev, 3301)).toMatchObject({ pid: 3300, userWait: { kind: 'poll', fn: '__poll' } });
  });

  it('info threads: one frame per thread, with its name', () => {
    const ev = parsePaste(
      paste(
        '(gdb) info threads',
        '  Id   Target Id                                  Frame ',
        '* 1    Thread 0x7ffff7d89740 (LWP 8801) "app" 0x00007ffff7e9a3bf in __libc_waitpid (pid=8805, stat_loc=0x7fffffffe0ac, options=0) at ../sysdeps/unix/sysv/linux/waitpid.c:30',
        '  2    Thread 0x7ffff7d88700 (LWP 8802) "app" futex_wait (private=0, expected=2, futex_word=0x5555555592a0) at ../sysdeps/nptl/futex-internal.h:146',
      ),
    );
    expect(task(ev, 8801)).toMatchObject({ comm: 'app', pid: 8801, userWait: { kind: 'child', pid: 8805 } });
    expect(task(ev, 8802)).toMatchObject({ comm: 'app', pid: 8801, userWait: { kind: 'futex' } });
  });

  it('quoted with "> ", under a label that gives the pid (stated)', () => {
    const ev = parsePaste(
      paste(
        '> the parent (pid 6100) is stuck here:',
        '> #0  0x00007f8c706faa0c in __libc_waitpid (pid=6105, stat_loc=0x7fffc2f6e658, options=0) at ../sysdeps/unix/sysv/linux/waitpid.c:31',
        '> #1  0x0000000000402e0b in supervise() ()',
        '> #2  0x000000000040339d in main ()',
      ),
    );
    expect(task(ev, 6100)).toMatchObject({ pid: 6100, provenance: { pid: 'stated' }, userWait: { kind: 'child', pid: 6105 } });
    expect(fns(task(ev, 6100))).toEqual(['__libc_waitpid', 'supervise()', 'main']);
  });

  it('a label naming a source file or program names the task (derived)', () => {
    const ev = parsePaste(paste('sandbox.cc:', '#0  0x00007f8c706faa0c in __libc_waitpid (pid=9124, stat_loc=0x7fffc2f6e658, options=0) at waitpid.c:31', '#1  0x000000000040339d in main ()'));
    const t = ev.tasks.find((x) => x.userStack);
    expect(t).toMatchObject({ tid: 0, comm: 'sandbox', provenance: { comm: 'derived' } });
  });

  it('cut lines: a frame cut mid-arguments and a [...] between frames are read, the stack marked partial', () => {
    const ev = parsePaste(
      paste('#0  0x00007f8c706faa0c in __libc_waitpid (pid=6105, stat_loc=0x7fffc2f6e658, opt', '#1  0x0000000000402e0b in supervise() ()', '[...]', '#7  0x000000000040339d in main ()'),
    );
    const t = ev.tasks.find((x) => x.userStack);
    expect(fns(t)).toEqual(['__libc_waitpid', 'supervise()', 'main']);
    expect(t?.userWait).toMatchObject({ kind: 'child', pid: 6105 });
    expect(t?.missing.join(' ')).toMatch(/cut in the paste/);
  });

  it('a backtrace that starts below frame #0 says nothing about a wait', () => {
    const ev = parsePaste(paste('[...]', '#4  0x00007f8c706faa0c in __libc_waitpid (pid=6105, stat_loc=0x7fffc2f6e658, options=0) at waitpid.c:31', '#5  0x000000000040339d in main ()'));
    const t = ev.tasks.find((x) => x.userStack);
    expect(fns(t)).toEqual(['__libc_waitpid', 'main']);
    expect(t?.userWait).toBeUndefined();
  });

  it('a core dump keeps its stacks but reads no wait as current', () => {
    const ev = parsePaste(
      paste(
        '$ gdb /usr/sbin/agent core.4321',
        "Core was generated by `/usr/sbin/agent --config /etc/agent.conf'.",
        'Program terminated with signal SIGSEGV, Segmentation fault.',
        '#0  0x00007f8c706faa0c in __libc_waitpid (pid=4400, stat_loc=0x7fffc2f6e658, options=0) at waitpid.c:31',
        '#1  0x000000000040339d in main ()',
      ),
    );
    const t = ev.tasks.find((x) => x.userStack);
    expect(t).toMatchObject({ comm: 'agent' });
    expect(t?.userWait).toBeUndefined();
    diagnose(ev);
    expect(task(ev, 4400)).toBeUndefined();
  });

  it('a gdb backtrace of a kernel (kernel addresses) is a kernel stack', () => {
    const ev = parsePaste(
      paste(
        '#0  0xffffffff81a3c4bd in __schedule (preempt=false) at kernel/sched/core.c:6378',
        '#1  0xffffffff81a3c9c8 in schedule () at kernel/sched/core.c:6454',
        '#2  0xffffffff8131b0f0 in request_wait_answer (req=0xffff888104f2c000) at fs/fuse/dev.c:415',
      ),
    );
    const t = ev.tasks.find((x) => x.stack?.length);
    expect(t?.stack?.map((f) => f.fn)).toEqual(['__schedule', 'schedule', 'request_wait_answer']);
    expect(t?.userStack).toBeUndefined();
  });

  it("crash `bt` frames, issue numbers and sentences starting with a debugger's name are left to their readers", () => {
    const ev = parsePaste(
      paste(
        'crash> bt 112272',
        'PID: 112272  TASK: ffff9adf2b1c8000  CPU: 3   COMMAND: "java"',
        ' #0 [ffffb6e8c0b3fc88] __schedule at ffffffffa5c5c4bd',
        ' #1 [ffffb6e8c0b3fd10] schedule at ffffffffa5c5c9c8',
        '',
        'See upstream #1725 for details.',
        'gdb shows this: the stack is garbage',
      ),
    );
    expect(task(ev, 112272)?.stack?.map((f) => f.fn)).toEqual(['__schedule', 'schedule']);
    expect(ev.tasks.some((t) => t.userStack)).toBe(false);
    expect(ev.inputs.some((i) => i.kind === 'user-stack' || (i.kind === 'command' && i.lines[0] > 1))).toBe(false);
  });

  it('negative: backtraces without a wait for a child add no finding', () => {
    const running = parsePaste(
      paste(
        '$ gdb -p 9000 -batch -ex "thread apply all bt"',
        'Thread 2 (Thread 0x7f0a (LWP 9001) "calc-io"):',
        '#0  0x00007f1e3a1d3bbf in __GI___poll (fds=0x7f1e2cff8e40, nfds=1, timeout=-1) at poll.c:29',
        '#1  0x000055e4b8c1d2a2 in io_loop (arg=0x0) at io.c:77',
        'Thread 1 (Thread 0x7f0b (LWP 9000) "calc"):',
        '#0  0x000055a1b2c3d4e5 in hash_block (p=0x55a1b3000000, n=4096) at hash.c:91',
        '#1  0x000055a1b2c3d9f0 in hash_file (path=0x7ffe "/data/big") at hash.c:140',
        '#2  0x000055a1b2c3a111 in main (argc=2, argv=0x7ffe) at main.c:12',
      ),
    );
    expect(task(running, 9000)?.userWait).toBeUndefined();
    expect(task(running, 9000)?.pid).toBe(9000);
    const d = diagnose(running);
    expect(d.findings).toEqual([]);
    expect(running.tasks.some((t) => t.placeholder)).toBe(false);
  });
});
