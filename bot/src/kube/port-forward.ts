import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';

/**
 * A pod's port on 127.0.0.1 of this machine, through the Kubernetes API
 * server's port-forward (what `kubectl port-forward` does): a local listener
 * on a free port; each connection to it opens one WebSocket to
 * /api/v1/namespaces/NS/pods/POD/portforward?ports=PORT with the user's
 * kubeconfig credentials (client-node's PortForward, subprotocol
 * v4.channel.k8s.io: channel 0 carries the data, channel 1 the server's
 * errors, the first frame of each the port as two little-endian bytes).
 *
 * The tunnel adds no trust: what goes through it is the collector's mutual
 * TLS, end to end between this process and the collector pod.
 */
export interface PodPortForward {
  /** "127.0.0.1:PORT": what a client dials. */
  address: string;
  /** The last thing that went wrong with a tunnel (the API server refused it, the pod's port refused the connection), for messages. */
  lastError(): string | undefined;
  close(): Promise<void>;
}

/** The error channel's text, or a refused upgrade ("Unexpected server response: 403"), as one line. */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 300);

/** The WebSocket client-node returns for one tunnel (the `ws` package's, in Node). */
interface Tunnel {
  on(event: 'close', cb: () => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  close(): void;
  terminate?(): void;
}

export async function forwardPodPort(kc: k8s.KubeConfig, namespace: string, pod: string, port: number): Promise<PodPortForward> {
  const forward = new k8s.PortForward(kc, true);
  const sockets = new Set<Socket>();
  const tunnels = new Set<Tunnel>();
  let last: string | undefined;
  const fail = (why: string): void => {
    last = oneLine(why);
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // The server's error channel: any text there ends this connection (the tunnel cannot carry data any more).
    const errors = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (chunk.length) {
          fail(`port-forward to pod ${namespace}/${pod} port ${port}: ${chunk.toString('utf8')}`);
          socket.destroy();
        }
        done();
      },
    });
    socket.pause();
    forward.portForward(namespace, pod, [port], socket, errors, socket).then(
      (ws) => {
        const tunnel = ws as unknown as Tunnel;
        tunnels.add(tunnel);
        tunnel.on('error', (err) => {
          fail(`port-forward to pod ${namespace}/${pod}: ${err.message}`);
          socket.destroy();
        });
        // The API server closed the tunnel: the connection ends with it (client-node only closes it the other way).
        tunnel.on('close', () => {
          tunnels.delete(tunnel);
          socket.end();
        });
        if (socket.destroyed) tunnel.close();
        else socket.resume();
      },
      (err: unknown) => {
        fail(`the API server ${kc.getCurrentCluster()?.server ?? ''} refused the port-forward to pod ${namespace}/${pod} port ${port}: ${(err as Error)?.message ?? String(err)}`);
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const local = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${local}`,
    lastError: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of tunnels) (t.terminate ?? t.close).call(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
