import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The server side of a pod port-forward over WebSocket, as the API server
 * proxies it to the kubelet (pkg/kubelet/cri/streaming/portforward/websocket.go
 * and apimachinery's wsstream): RFC 6455 framing written here (no WebSocket
 * library, so nothing is shared with the client under test), subprotocol
 * negotiated in the client's order among those the kubelet supports
 * (v4.channel.k8s.io, v4.base64.channel.k8s.io, or none), two channels per
 * port — 0 data (read-write), 1 errors (write-only) — each opened with a
 * frame carrying only the port as two little-endian bytes; every binary
 * message is one channel byte and its payload. The data channel is copied to
 * and from a TCP connection to where the "pod's" port really is; a
 * connection that fails is said on the error channel in the kubelet's words,
 * then the WebSocket closes.
 */
export interface PortForwardSession {
  /** The negotiated subprotocol ('' when the client offered none). */
  protocol: string;
  port: number;
  /** The Authorization header the upgrade carried. */
  authorization?: string;
  /** Channel numbers of the frames the client sent, in order (0 = data). */
  clientChannels: number[];
  /** Bytes copied each way through the data channel. */
  bytesIn: number;
  bytesOut: number;
  closed: boolean;
}

const SUPPORTED = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function httpError(socket: Duplex, code: number, reason: string, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** One unmasked server frame (FIN set). */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  }
  if (n >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/**
 * Takes over an upgrade request for /api/v1/namespaces/NS/pods/POD/portforward.
 * `target(port)`: where the pod's `port` is reachable from here, or undefined
 * (nothing listens on it in the pod). `pod` names it in errors as the kubelet does.
 */
export function servePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  opts: {
    pod: { namespace: string; name: string; uid: string };
    target(port: number): { host: string; port: number } | undefined;
    onSession(s: PortForwardSession, tcp: () => Socket | undefined): void;
  },
): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const key = req.headers['sec-websocket-key'];
  if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || req.headers['sec-websocket-version'] !== '13' || typeof key !== 'string') {
    return httpError(socket, 400, 'BadRequest', 'Upgrade request required');
  }
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const protocol = offered.length ? offered.find((p) => SUPPORTED.includes(p)) : '';
  if (protocol === undefined) return httpError(socket, 400, 'BadRequest', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${SUPPORTED.join(' ')}]`);
  const ports = url.searchParams.getAll('ports').flatMap((p) => p.split(','));
  if (ports.length !== 1 || !/^\d+$/.test(ports[0]) || Number(ports[0]) < 1 || Number(ports[0]) > 65535) {
    return httpError(socket, 400, 'BadRequest', `invalid port ${JSON.stringify(ports.join(','))}`);
  }
  const port = Number(ports[0]);
  const base64 = protocol === 'v4.base64.channel.k8s.io';
  const accept = createHash('sha1').update(`${key}${GUID}`).digest('base64');
  socket.write(
    ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []), '', ''].join(
      '\r\n',
    ),
  );

  const session: PortForwardSession = { protocol, port, authorization: req.headers.authorization, clientChannels: [], bytesIn: 0, bytesOut: 0, closed: false };
  let tcp: Socket | undefined;
  opts.onSession(session, () => tcp);

  const send = (channel: number, data: Buffer): void => {
    if (session.closed) return;
    if (base64) socket.write(frame(0x1, Buffer.from(`${String.fromCharCode(48 + channel)}${data.toString('base64')}`)));
    else socket.write(frame(0x2, Buffer.concat([Buffer.from([channel]), data])));
  };
  const close = (code = 1000): void => {
    if (session.closed) return;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code, 0);
    socket.write(frame(0x8, payload));
    session.closed = true;
    socket.end();
    tcp?.destroy();
  };
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16LE(port, 0);
  send(0, portBytes);
  send(1, portBytes);

  const fail = (why: string): void => {
    send(1, Buffer.from(`error forwarding port ${port} to pod ${opts.pod.name}_${opts.pod.namespace}, uid ${opts.pod.uid}: ${why}`));
    close();
  };
  const to = opts.target(port);
  if (!to)
    fail(
      `failed to connect to localhost:${port} inside namespace "${opts.pod.name}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6: address localhost: no suitable address`,
    );
  else {
    tcp = connect(to.port, to.host);
    tcp.on('data', (d: Buffer) => {
      session.bytesOut += d.length;
      send(0, d);
    });
    tcp.on('error', (err) => fail(`failed to connect to localhost:${port}: ${err.message}`));
    tcp.on('close', () => close());
  }

  // Client frames: masked, possibly fragmented; binary messages carry a channel byte first.
  let pending = head.length ? Buffer.from(head) : Buffer.alloc(0);
  let message: Buffer[] = [];
  let messageOpcode = 0;
  const onMessage = (opcode: number, data: Buffer): void => {
    let channel: number;
    let payload: Buffer;
    if (opcode === 0x1) {
      channel = data[0] - 48;
      payload = Buffer.from(data.subarray(1).toString('utf8'), 'base64');
    } else {
      channel = data[0];
      payload = data.subarray(1);
    }
    session.clientChannels.push(channel);
    if (channel === 0 && payload.length) {
      session.bytesIn += payload.length;
      tcp?.write(payload);
    }
  };
  const consume = (): void => {
    for (;;) {
      if (pending.length < 2) return;
      const fin = (pending[0] & 0x80) !== 0;
      const opcode = pending[0] & 0x0f;
      const masked = (pending[1] & 0x80) !== 0;
      let len = pending[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (pending.length < 4) return;
        len = pending.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (pending.length < 10) return;
        len = Number(pending.readBigUInt64BE(2));
        at = 10;
      }
      if (!masked) {
        close(1002);
        return;
      }
      if (pending.length < at + 4 + len) return;
      const mask = pending.subarray(at, at + 4);
      const data = Buffer.from(pending.subarray(at + 4, at + 4 + len));
      for (let i = 0; i < data.length; i++) data[i] ^= mask[i % 4];
      pending = pending.subarray(at + 4 + len);
      if (opcode === 0x8) {
        close();
        return;
      }
      if (opcode === 0x9) {
        if (!session.closed) socket.write(frame(0xa, data));
        continue;
      }
      if (opcode === 0xa) continue;
      if (opcode !== 0) {
        messageOpcode = opcode;
        message = [];
      }
      message.push(data);
      if (fin) onMessage(messageOpcode, Buffer.concat(message));
    }
  };
  socket.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    consume();
  });
  socket.on('close', () => {
    session.closed = true;
    tcp?.destroy();
  });
  socket.on('error', () => {
    session.closed = true;
    tcp?.destroy();
  });
  consume();
}
