import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runStart } from '../../../bot/src/terminal/run-start';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { cleanupAll, onCleanup } from '../../helpers/kernel/cleanup';
import { terminalEnv, watchText } from '../../helpers/terminal/chat-process';

/**
 * `npm start` with a kubeconfig: "why is pod X terminating" reads the pod's
 * Kubernetes layer (fake API, real JSON) beside this machine's snapshot (its
 * real loopback collector), leads with the layer that holds the pod, and
 * answers "finalizers", "events", "runtime" and "mounts" about it.
 */
const UID = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const PATCH = `kubectl patch pod db-0 -n shop --type=json -p '[{"op":"test","path":"/metadata/finalizers/0","value":"example.com/backup-guard"},{"op":"remove","path":"/metadata/finalizers/0"}]'`;

function chat(env: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-podlayer-'));
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
  const done = runStart(args, { stdin, stdout: sink(), stderr: sink(), isTty: false, env: terminalEnv(dir, env) }, { recheckDelayMs: 200 });
  onCleanup('chat', async () => {
    stdin.end();
    await done;
  });
  return {
    out,
    done,
    stdin,
    async ask(line: string, until: RegExp): Promise<string> {
      const mark = out.text().length;
      stdin.write(`${line}\n`);
      await out.waitFor(until, { from: mark });
      return out.text().slice(mark);
    },
  };
}

describe("the terminal chat: a pod's Kubernetes layer", () => {
  let kube: FakeKubeApi;
  beforeEach(async () => {
    kube = await startFakeKubeApi();
    kube.addNode({ name: 'test-node' });
    kube.addPod({
      namespace: 'shop',
      name: 'db-0',
      uid: UID,
      nodeName: 'test-node',
      deletionTimestamp: '2026-11-24T03:00:30Z',
      deletionGracePeriodSeconds: 30,
      finalizers: ['example.com/backup-guard'],
      containers: [{ name: 'db', id: 'f00d', state: 'terminated', exitCode: 0 }],
      volumes: [{ name: 'data', claimName: 'data-db-0' }],
    });
    kube.addClaim({ namespace: 'shop', name: 'data-db-0', volumeName: 'pvc-77aa', storageClassName: 'local' });
    kube.addCsiNode('test-node', ['local.csi.example.com']);
    kube.addVolumeAttachment({ name: 'csi-77aa', nodeName: 'test-node', attacher: 'local.csi.example.com', pv: 'pvc-77aa', attached: true });
    kube.addEvent({ namespace: 'shop', involved: { kind: 'Pod', name: 'db-0', uid: UID }, type: 'Warning', reason: 'FailedPreStopHook', message: 'PreStopHook failed', count: 3 });
  });
  afterEach(async () => {
    await cleanupAll();
    await kube.close();
  });

  it('leads with the finalizer and its patch; then "finalizers", "events", "runtime" and "mounts"', async () => {
    const c = chat({ KUBECONFIG: kube.kubeconfig });
    await c.out.waitFor(/Pods by name through the Kubernetes API/);
    const answer = await c.ask('why is pod db-0 in shop terminating?', /\[\d+\] Recheck/);
    expect(answer).toContain('Pod shop/db-0 is held by finalizer example.com/backup-guard');
    expect(answer).toContain(PATCH);
    expect(answer).not.toMatch(/Not read:/);
    const fin = await c.ask('finalizers', /finalizer/);
    expect(fin).toContain('Pod shop/db-0 has 1 finalizer');
    expect(fin).toContain(PATCH);
    expect(await c.ask('events', /Events about|No events/)).toMatch(/Warning FailedPreStopHook ×3[^\n]*: PreStopHook failed/);
    expect(await c.ask('show the runtime', /runtime/)).toMatch(/container runtime/);
    const mounts = await c.ask('mounts', /olumes/);
    expect(mounts).toContain('volume data: persistentVolumeClaim data-db-0 → Bound pvc-77aa → local.csi.example.com attached=true on test-node');
    expect(mounts).toContain('CSINode test-node: drivers local.csi.example.com');
    c.stdin.write('quit\n');
    expect(await c.done).toBe(0);
  });

  it('--once: an API read that fails is named, and the answer still comes', async () => {
    kube.fault(/\/persistentvolumeclaims\//, { status: 500, message: 'etcdserver: request timed out' });
    const c = chat({ KUBECONFIG: kube.kubeconfig }, ['--once', 'why is pod db-0 in shop stuck']);
    expect(await c.done).toBe(0);
    const text = c.out.text();
    expect(text).toContain('Pod shop/db-0 is held by finalizer example.com/backup-guard');
    expect(text).toMatch(/⚠ Not read: persistentvolumeclaim shop\/data-db-0 \(Kubernetes API http:\/\/127\.0\.0\.1:\d+ answered 500: etcdserver: request timed out \(get persistentvolumeclaims\)\)/);
  });
});
