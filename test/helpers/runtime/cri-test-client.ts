import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import type { ProtoGrpcType } from '../../../proto/generated/api';
import type { RuntimeServiceClient } from '../../../proto/generated/runtime/v1/RuntimeService';
import { LOADER_OPTIONS } from '../../../collector/src/proto/load-proto';

const CRI_DIR = join(__dirname, '..', '..', '..', 'proto', 'vendor', 'cri-api');

/** The RuntimeService methods the tests drive, as a kubelet would. */
type Methods =
  | 'Version'
  | 'RunPodSandbox'
  | 'StopPodSandbox'
  | 'RemovePodSandbox'
  | 'PodSandboxStatus'
  | 'ListPodSandbox'
  | 'CreateContainer'
  | 'StartContainer'
  | 'StopContainer'
  | 'RemoveContainer'
  | 'ListContainers'
  | 'ContainerStatus'
  | 'ExecSync';

type Req<M extends Methods> = Parameters<RuntimeServiceClient[M]>[0];
type Res<M extends Methods> = Parameters<Extract<Parameters<RuntimeServiceClient[M]>[1], (...args: never[]) => unknown>>[1];

export interface CriTestClient {
  /** One call with a deadline; rejects with the gRPC error (code, details). */
  call<M extends Methods>(method: M, req: Req<M>, deadlineMs?: number): Promise<NonNullable<Res<M>>>;
  close(): void;
}

/**
 * The test side's CRI client: @grpc/proto-loader with the vendored api.proto,
 * the generated types, every call with a deadline. (The collector has its own
 * read-only client, lighter on memory: collector/src/runtime/cri-client.ts.)
 */
export function createCriTestClient(endpoint: string): CriTestClient {
  const def = protoLoader.loadSync('api.proto', { ...LOADER_OPTIONS, includeDirs: [CRI_DIR] });
  const proto = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  const client = new proto.runtime.v1.RuntimeService(endpoint, grpc.credentials.createInsecure()) as RuntimeServiceClient;
  return {
    call(method, req, deadlineMs = 30000) {
      return new Promise((resolve, reject) => {
        const fn = client[method] as unknown as (r: unknown, o: grpc.CallOptions, cb: (err: grpc.ServiceError | null, v: unknown) => void) => void;
        fn.call(client, req, { deadline: new Date(Date.now() + deadlineMs) }, (err, v) => (err ? reject(err) : resolve(v as never)));
      });
    },
    close: () => client.close(),
  };
}
