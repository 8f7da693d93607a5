import * as protobuf from 'protobufjs';
import type { VersionRequest } from '../../../proto/generated/runtime/v1/VersionRequest';
import type { VersionResponse__Output } from '../../../proto/generated/runtime/v1/VersionResponse';
import type { ListPodSandboxRequest } from '../../../proto/generated/runtime/v1/ListPodSandboxRequest';
import type { ListPodSandboxResponse__Output } from '../../../proto/generated/runtime/v1/ListPodSandboxResponse';
import type { ListContainersRequest } from '../../../proto/generated/runtime/v1/ListContainersRequest';
import type { ListContainersResponse__Output } from '../../../proto/generated/runtime/v1/ListContainersResponse';
import type { ContainerStatusRequest } from '../../../proto/generated/runtime/v1/ContainerStatusRequest';
import type { ContainerStatusResponse__Output } from '../../../proto/generated/runtime/v1/ContainerStatusResponse';
import type { PodSandboxStatusRequest } from '../../../proto/generated/runtime/v1/PodSandboxStatusRequest';
import type { PodSandboxStatusResponse__Output } from '../../../proto/generated/runtime/v1/PodSandboxStatusResponse';
import { protoRoot } from '../proto/proto-root';
import { compileCodec, Out } from '../proto/wire-codec';

/** The vendored CRI v1 contract (kubernetes/cri-api, unmodified): proto/vendor/cri-api/api.proto. */
export function criProtoPath(): string {
  return `${protoRoot()}/vendor/cri-api/api.proto`;
}

/** The read-only RuntimeService calls the collector makes, request and response types by name. */
export interface CriMethods {
  Version: [VersionRequest, VersionResponse__Output];
  ListPodSandbox: [ListPodSandboxRequest, ListPodSandboxResponse__Output];
  ListContainers: [ListContainersRequest, ListContainersResponse__Output];
  ContainerStatus: [ContainerStatusRequest, ContainerStatusResponse__Output];
  PodSandboxStatus: [PodSandboxStatusRequest, PodSandboxStatusResponse__Output];
}

export type CriMethod = keyof CriMethods;

export interface CriMethodCodec<M extends CriMethod> {
  /** The gRPC path, e.g. "/runtime.v1.RuntimeService/ListContainers". */
  path: string;
  serialize(req: CriMethods[M][0]): Buffer;
  deserialize(bytes: Buffer): CriMethods[M][1];
}

type Codecs = { [M in CriMethod]: CriMethodCodec<M> };
let codecs: Codecs | undefined;

/**
 * Codecs for the five calls, compiled from the vendored proto's reflection
 * with the collector's wire codec (the objects are shaped as proto-loader
 * returns them with LOADER_OPTIONS, so the generated `__Output` types fit).
 * Loaded on first use only: a node without a runtime socket never pays for
 * parsing the 2,400-line contract.
 */
export function criCodecs(): Codecs {
  if (codecs) return codecs;
  const root = new protobuf.Root().loadSync(criProtoPath(), { keepCase: true });
  const service = root.lookupService('runtime.v1.RuntimeService');
  const make = <M extends CriMethod>(name: M): CriMethodCodec<M> => {
    const method = service.methods[name];
    method.resolve();
    const req = compileCodec<CriMethods[M][0], unknown>(method.resolvedRequestType as protobuf.Type);
    const res = compileCodec<unknown, CriMethods[M][1]>(method.resolvedResponseType as protobuf.Type);
    return {
      path: `/runtime.v1.RuntimeService/${name}`,
      // Requests are a few bytes: a small buffer, not the codec's default 64 KB one per call.
      serialize: (v) => {
        const out = new Out(128);
        req.encodeInto(out, v);
        return out.buf.subarray(0, out.pos);
      },
      deserialize: (b) => res.decode(b),
    };
  };
  codecs = {
    Version: make('Version'),
    ListPodSandbox: make('ListPodSandbox'),
    ListContainers: make('ListContainers'),
    ContainerStatus: make('ContainerStatus'),
    PodSandboxStatus: make('PodSandboxStatus'),
  };
  return codecs;
}
