import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import { runStart } from '../../../bot/src/terminal/run-start';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { cleanupAll, onCleanup } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies, stateOf } from '../../helpers/kernel/processes';
import { terminalEnv, watchText, type TextWatch } from '../../helpers/terminal/chat-process';

/**
 * The terminal chat in this process (runStart with piped streams), against
 * its real loopback collector and real zombies: the paths around the
 * remediation (cancel, not allowed), follow-ups, choices, and pods by name
 * through a Kubernetes API when there is a kubeconfig.
 */
const can = cgroupV1Available();
const describeKernel = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`terminal session tests skipped: ${can.reason}\n`);

interface Chat {
  out: TextWatch;
  send(line: string): void;
  ask(line: string, until: RegExp): Promise<string>;
  done: Promise<number>;
  dir: string;
}

function startInProcess(extraEnv: Record<string, string> = {}): Chat {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-session-'));
  onCleanup('temp dir', () => rmSync(dir, { recursive: true, force: true }));
  const stdin = new PassThrough();
  const out = watchText();
  const sink = (): Writable =>
    new Writable({
      write(chunk, _enc, cb) {
        out.append(String(chunk));
        cb();
      },
    });
  const done = runStart([], { stdin, stdout: sink(), stderr: sink(), isTty: false, env: terminalEnv(dir, extraEnv) }, { recheckDelayMs: 200 });
  onCleanup('chat', async () => {
    stdin.end();
    await done;
  });
  const send = (line: string): void => {
    stdin.write(`${line}\n`);
  };
  return {
    out,
    send,
    done,
    dir,
    async ask(line, until) {
      const mark = out.text().length;
      send(line);
      await out.waitFor(until, { from: mark });
      return out.text().slice(mark);
    },
  };
}

describeKernel('the terminal chat session', () => {
  afterEach(cleanupAll);

  it('a choice needs a question first; numbers out of range are refused; "n" cancels the signal and nothing is audited', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(1, pod);
    const chat = startInProcess();
    await chat.out.waitFor(/quit` to leave/);
    expect(await chat.ask('1', /nothing to choose yet: ask a question first/)).toBeTruthy();
    expect(await chat.ask('show the stack of 1', /Ask about a pid, a pod or this machine first/)).toBeTruthy();

    const answer = await chat.ask(`why is pid ${zombiePids[0]} stuck`, /\[2\] Recheck/);
    expect(answer).toContain(`[1] SIGTERM ${parentPid} (python3)`);
    expect(await chat.ask('7', /There is no choice 7: pick 1 to 3\./)).toBeTruthy();
    expect(await chat.ask('1', /Send SIGTERM\? \[y\/N\]/)).toContain(`Send SIGTERM to ${parentPid}?`);
    expect(await chat.ask('n', /Cancelled: nothing was sent\./)).toBeTruthy();
    expect(stateOf(parentPid)).toBe('S');
    expect(await chat.ask('audit', /No remediations in the audit log/)).toBeTruthy();
    chat.send('quit');
    expect(await chat.done).toBe(0);
  });

  it('a user not in WHYSTUCK_LOCAL_REMEDIATORS is refused before any confirmation; nothing is sent or audited', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(1, pod);
    const chat = startInProcess({ WHYSTUCK_LOCAL_REMEDIATORS: 'alice,bob' });
    await chat.out.waitFor(/Remediation: not allowed for this user \(WHYSTUCK_LOCAL_REMEDIATORS\)/);
    await chat.ask(`why is pid ${zombiePids[0]} stuck`, /\[2\] Recheck/);
    const refused = await chat.ask('1', /Refused/);
    expect(refused).toContain('✗ Refused: root may not send signals here (allowed: alice, bob, from WHYSTUCK_LOCAL_REMEDIATORS)');
    expect(refused).not.toMatch(/\[y\/N\]/);
    expect(stateOf(parentPid)).toBe('S');
    chat.send('quit');
    await chat.done;
    const audit = openSqliteStore(join(chat.dir, 'audit.db'));
    expect(await audit.listAudit()).toEqual([]);
    await audit.close();
  });

  it('follow-ups about the last answer: stack, process tree, kill of a zombie explained, escalate unconfigured, recheck', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    const chat = startInProcess();
    await chat.ask(`any zombies in pod ${pod.podUid.slice(0, 13)}?`, /\[\d+\] Recheck/);
    const stack = await chat.ask(`show the stack of ${parentPid}`, new RegExp(`${parentPid} python3 state=S`));
    expect(stack).toMatch(/^ {4}\d+ python3 state=S/m); // a code block, indented
    const tree = await chat.ask('process tree', new RegExp(`${zombiePids[1]} Z python3`));
    expect(tree).toMatch(new RegExp(`${parentPid} S python3[^\\n]*\\n\\s+${zombiePids[0]} Z python3`));
    expect(await chat.ask(`kill ${zombiePids[0]}`, /SIGKILL cannot end pid/)).toMatch(/is a zombie: it is already dead/);
    expect(await chat.ask('escalate', /Escalation is not configured/)).toContain('PAGERDUTY_ROUTING_KEY');
    const again = await chat.ask('recheck', /\[\d+\] Recheck/);
    expect(again).toContain(`2 zombies (parent-not-reaping) under python3 (pid ${parentPid})`);
    chat.send('quit');
    expect(await chat.done).toBe(0);
  });

  describe('with a kubeconfig', () => {
    let kube: FakeKubeApi;
    beforeEach(async () => {
      kube = await startFakeKubeApi();
    });
    afterEach(async () => {
      await kube.close();
    });

    it('resolves a pod by name through the Kubernetes API and diagnoses it on this node', async () => {
      const pod = createPodCgroup();
      const { parentPid } = await spawnZombies(2, pod);
      kube.addPod({ namespace: 'shop', name: 'web-0', uid: pod.podUid, nodeName: 'test-node', deleting: true, containers: [{ name: 'web', id: `containerd://${pod.containerId}` }] });
      const chat = startInProcess({ KUBECONFIG: kube.kubeconfig });
      await chat.out.waitFor(/Pods by name through the Kubernetes API/);
      const answer = await chat.ask('why is pod web-0 in shop terminating?', /\[\d+\] Recheck/);
      expect(answer).toContain('» Looking into shop/web-0…');
      expect(answer).toContain(`pod shop/web-0 · uid ${pod.podUid} · node test-node · Running · deleting since`);
      expect(answer).toContain(`[1] SIGTERM ${parentPid} (python3)`);
      expect(kube.requests).toContain('GET /api/v1/namespaces/shop/pods/web-0');
      const missing = await chat.ask('why is pod nope-1 in shop stuck', /⚠/);
      expect(missing).toContain('pod shop/nope-1 does not exist');
      chat.send('quit');
      expect(await chat.done).toBe(0);
    });
  });
});
