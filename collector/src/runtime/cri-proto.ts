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

/**
 * The fields the collector reads, per message of the vendored contract. The
 * codecs are compiled from these alone: everything else on the wire (labels
 * of a status, annotations, mounts, resources, the info map …) is skipped
 * while decoding, never turned into objects, and the compiled code stays
 * small. Decoded objects have exactly these fields (the generated types list
 * more: those are absent). Field numbers and types come from the contract.
 */
export const CRI_FIELDS_READ: Record<string, string[]> = {
  VersionRequest: ['version'],
  VersionResponse: ['version', 'runtime_name', 'runtime_version', 'runtime_api_version'],
  ListPodSandboxRequest: ['filter'],
  PodSandboxFilter: ['id', 'state', 'label_selector'],
  PodSandboxStateValue: ['state'],
  ListPodSandboxResponse: ['items'],
  PodSandbox: ['id', 'metadata', 'state', 'created_at', 'labels', 'runtime_handler'],
  PodSandboxMetadata: ['name', 'uid', 'namespace', 'attempt'],
  ListContainersRequest: ['filter'],
  ContainerFilter: ['id', 'state', 'pod_sandbox_id', 'label_selector'],
  ContainerStateValue: ['state'],
  ListContainersResponse: ['containers'],
  Container: ['id', 'pod_sandbox_id', 'metadata', 'image', 'image_ref', 'state', 'created_at', 'labels'],
  ContainerMetadata: ['name', 'attempt'],
  ImageSpec: ['image'],
  ContainerStatusRequest: ['container_id', 'verbose'],
  ContainerStatusResponse: ['status'],
  ContainerStatus: ['id', 'metadata', 'state', 'created_at', 'started_at', 'finished_at', 'exit_code', 'reason', 'message'],
  PodSandboxStatusRequest: ['pod_sandbox_id', 'verbose'],
  PodSandboxStatusResponse: ['status'],
  PodSandboxStatus: ['id', 'metadata', 'state', 'created_at', 'network', 'linux'],
  PodSandboxNetworkStatus: ['ip'],
  LinuxPodSandboxStatus: ['namespaces'],
  Namespace: ['options'],
  NamespaceOption: ['network', 'pid'],
};

/**
 * A root holding the messages of CRI_FIELDS_READ with only those fields
 * (ids, types and labels copied from the vendored contract) and the enums
 * they use. A field listed but missing from the contract is a programmer
 * error: it throws here, at the first runtime read, and in the tests.
 */
function readSubset(full: protobuf.Root): protobuf.Root {
  const ns = new protobuf.Root().define('runtime.v1');
  const enums = new Set<string>();
  for (const [name, fields] of Object.entries(CRI_FIELDS_READ)) {
    const from = full.lookupType(`runtime.v1.${name}`);
    const to = new protobuf.Type(name);
    for (const fname of fields) {
      const f = from.fields[fname];
      if (!f) throw new Error(`cri-proto: runtime.v1.${name} has no field ${fname}`);
      f.resolve();
      if (f.resolvedType instanceof protobuf.Enum) enums.add(f.resolvedType.name);
      else if (f.resolvedType && !CRI_FIELDS_READ[f.resolvedType.name]) throw new Error(`cri-proto: ${name}.${fname} is a ${f.resolvedType.name}, which CRI_FIELDS_READ does not list`);
      to.add(f instanceof protobuf.MapField ? new protobuf.MapField(f.name, f.id, f.keyType, f.type) : new protobuf.Field(f.name, f.id, f.type, f.repeated ? 'repeated' : undefined));
    }
    ns.add(to);
  }
  for (const e of enums) ns.add(new protobuf.Enum(e, { ...full.lookupEnum(`runtime.v1.${e}`).values }));
  const root = ns.root as protobuf.Root;
  root.resolveAll();
  return root;
}

type Codecs = { [M in CriMethod]: CriMethodCodec<M> };
let codecs: Codecs | undefined;
const METHODS: CriMethod[] = ['Version', 'ListPodSandbox', 'ListContainers', 'ContainerStatus', 'PodSandboxStatus'];

/** One call's codec. (A function of its own: its closures must not hold on to the full contract's parse.) */
function methodCodec<M extends CriMethod>(subset: protobuf.Root, name: M, requestType: string, responseType: string): CriMethodCodec<M> {
  const req = compileCodec<CriMethods[M][0], unknown>(subset.lookupType(`runtime.v1.${requestType}`));
  const res = compileCodec<unknown, CriMethods[M][1]>(subset.lookupType(`runtime.v1.${responseType}`));
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
}

/**
 * Codecs for the five calls, compiled with the collector's wire codec from
 * the vendored proto's reflection, cut to the fields read (objects shaped as
 * proto-loader returns them with LOADER_OPTIONS). Loaded on first use only: a
 * node without a runtime socket never pays for parsing the 2,400-line
 * contract, and the full parse is dropped once the subset is built.
 */
export function criCodecs(): Codecs {
  if (codecs) return codecs;
  const full = new protobuf.Root().loadSync(criProtoPath(), { keepCase: true });
  const subset = readSubset(full);
  const service = full.lookupService('runtime.v1.RuntimeService');
  const built: Partial<Record<CriMethod, CriMethodCodec<CriMethod>>> = {};
  for (const name of METHODS) {
    const m = service.methods[name];
    built[name] = methodCodec(subset, name, m.requestType, m.responseType) as CriMethodCodec<CriMethod>;
  }
  codecs = built as Codecs;
  return codecs;
}
