import { runCollectorHealth } from '../../../collector/src/cli/health-command';
import { startHarness, type Harness } from '../../helpers/collector-harness';

const POD_A = 'spiffe://whystuck/ns/whystuck/pod/whystuck-collector-aaaaa';

/**
 * `whystuck collector-health --node NAME` checks the collector's identity
 * (its certificate's one URI SAN: the node's, or with --pod the pod's) and the
 * node it serves (Health.node_name); `--self` takes both from the DaemonSet's
 * downward API environment. Real collectors over loopback mutual TLS.
 */
describe('collector-health --node / --pod / --self', () => {
  let podCert: Harness; // node-a's collector with pod whystuck-collector-aaaaa's certificate (production, csi-driver)
  let nodeCert: Harness; // node-c's collector with a development certificate (spiffe://whystuck/node/node-c)

  beforeAll(async () => {
    [podCert, nodeCert] = await Promise.all([startHarness({ nodeName: 'node-a', serverIdentity: POD_A, serverNames: { dnsNames: [] } }), startHarness({ nodeName: 'node-c' })]);
  });
  afterAll(async () => {
    await Promise.all([podCert, nodeCert].map((h) => h?.close()));
  });

  async function health(h: Harness, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    const tls = h.clientTls('whystuck-bot');
    let out = '';
    let err = '';
    const code = await runCollectorHealth(
      ['--address', h.address, '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca, '--timeout-ms', '5000', ...args],
      {
        stdout: {
          write: (s: string) => {
            out += s;
          },
        },
        stderr: {
          write: (s: string) => {
            err += s;
          },
        },
      },
      env,
    );
    return { code, out, err };
  }

  it('the right node and identity: SERVING, saying which', async () => {
    expect(await health(podCert, ['--node', 'node-a', '--pod', 'whystuck/whystuck-collector-aaaaa'])).toMatchObject({
      code: 0,
      err: '',
      out: expect.stringMatching(new RegExp(`^SERVING \\S+ node node-a as ${POD_A} version `)),
    });
    expect(await health(nodeCert, ['--node', 'node-c'])).toMatchObject({ code: 0, err: '', out: expect.stringContaining('node node-c as spiffe://whystuck/node/node-c') });
  });

  it("another identity is refused (exit 3): the node identity where the pod's is expected, another pod, another node", async () => {
    const asNode = await health(podCert, ['--node', 'node-a']);
    expect(asNode.code).toBe(3);
    expect(asNode.err).toContain(`its certificate is ${POD_A}, not spiffe://whystuck/node/node-a`);
    const otherPod = await health(podCert, ['--node', 'node-a', '--pod', 'whystuck/whystuck-collector-zzzzz']);
    expect(otherPod.code).toBe(3);
    expect(otherPod.err).toContain(`not spiffe://whystuck/ns/whystuck/pod/whystuck-collector-zzzzz`);
    const otherNode = await health(nodeCert, ['--node', 'node-a']);
    expect(otherNode).toMatchObject({ code: 3, out: '' });
    expect(otherNode.err).toContain('its certificate is spiffe://whystuck/node/node-c, not spiffe://whystuck/node/node-a');
  });

  it('the right identity serving another node (NODE_NAME wrong): exit 4, naming both', async () => {
    // A pod identity proves the pod; the node it takes Remediate for is what Health reports.
    const res = await health(podCert, ['--node', 'node-b', '--pod', 'whystuck/whystuck-collector-aaaaa']);
    expect(res.code).toBe(4);
    expect(res.err).toMatch(/serves node "node-a", not node-b/);
  });

  it('--self: the node and pod from the downward API environment; the node identity without POD_NAME', async () => {
    expect(await health(podCert, ['--self'], { NODE_NAME: 'node-a', POD_NAMESPACE: 'whystuck', POD_NAME: 'whystuck-collector-aaaaa' })).toMatchObject({
      code: 0,
      out: expect.stringContaining(`as ${POD_A}`),
    });
    expect((await health(podCert, ['--self'], { NODE_NAME: 'node-a', POD_NAMESPACE: 'whystuck', POD_NAME: 'whystuck-collector-other' })).code).toBe(3);
    expect((await health(nodeCert, ['--self'], { NODE_NAME: 'node-c' })).code).toBe(0);
    expect(await health(nodeCert, ['--self'], {})).toMatchObject({ code: 2, err: expect.stringMatching(/--self needs NODE_NAME/) });
  });

  it('usage errors: --pod without --node, a bad pod, --self with --node, --server-name with --node, --insecure with --node', async () => {
    expect(await health(podCert, ['--pod', 'whystuck/x'])).toMatchObject({ code: 2, err: expect.stringMatching(/--pod needs --node/) });
    expect(await health(podCert, ['--node', 'node-a', '--pod', 'whystuck'])).toMatchObject({ code: 2, err: expect.stringMatching(/is not NAMESPACE\/POD/) });
    expect(await health(podCert, ['--node', 'node-a', '--pod', 'Whystuck/x'])).toMatchObject({ code: 2, err: expect.stringMatching(/not a Kubernetes namespace name/) });
    expect(await health(podCert, ['--node', 'Node_A'])).toMatchObject({ code: 2, err: expect.stringMatching(/not a Kubernetes node name/) });
    expect(await health(podCert, ['--self', '--node', 'node-a'])).toMatchObject({ code: 2, err: expect.stringMatching(/without --node and --pod/) });
    expect(await health(podCert, ['--node', 'node-a', '--server-name', 'whystuck-collector'])).toMatchObject({ code: 2, err: expect.stringMatching(/give one of them/) });
    let err = '';
    expect(
      await runCollectorHealth(
        ['--insecure', '--node', 'node-a', '--address', podCert.address],
        {
          stdout: { write: () => true },
          stderr: {
            write: (s: string) => {
              err += s;
            },
          },
        },
        {},
      ),
    ).toBe(2);
    expect(err).toMatch(/need mutual TLS/);
  });
});
