import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConditionEvent as _whystuck_v1_ConditionEvent, ConditionEvent__Output as _whystuck_v1_ConditionEvent__Output } from './whystuck/v1/ConditionEvent';
import type { CpuTimes as _whystuck_v1_CpuTimes, CpuTimes__Output as _whystuck_v1_CpuTimes__Output } from './whystuck/v1/CpuTimes';
import type { FreezerState as _whystuck_v1_FreezerState, FreezerState__Output as _whystuck_v1_FreezerState__Output } from './whystuck/v1/FreezerState';
import type { HealthRequest as _whystuck_v1_HealthRequest, HealthRequest__Output as _whystuck_v1_HealthRequest__Output } from './whystuck/v1/HealthRequest';
import type { HealthResponse as _whystuck_v1_HealthResponse, HealthResponse__Output as _whystuck_v1_HealthResponse__Output } from './whystuck/v1/HealthResponse';
import type { Heartbeat as _whystuck_v1_Heartbeat, Heartbeat__Output as _whystuck_v1_Heartbeat__Output } from './whystuck/v1/Heartbeat';
import type { KernelReportEvent as _whystuck_v1_KernelReportEvent, KernelReportEvent__Output as _whystuck_v1_KernelReportEvent__Output } from './whystuck/v1/KernelReportEvent';
import type { KmsgRecord as _whystuck_v1_KmsgRecord, KmsgRecord__Output as _whystuck_v1_KmsgRecord__Output } from './whystuck/v1/KmsgRecord';
import type { LoadAvg as _whystuck_v1_LoadAvg, LoadAvg__Output as _whystuck_v1_LoadAvg__Output } from './whystuck/v1/LoadAvg';
import type { LostEvents as _whystuck_v1_LostEvents, LostEvents__Output as _whystuck_v1_LostEvents__Output } from './whystuck/v1/LostEvents';
import type { MemcgOomEvents as _whystuck_v1_MemcgOomEvents, MemcgOomEvents__Output as _whystuck_v1_MemcgOomEvents__Output } from './whystuck/v1/MemcgOomEvents';
import type { Mount as _whystuck_v1_Mount, Mount__Output as _whystuck_v1_Mount__Output } from './whystuck/v1/Mount';
import type { NodeCollectorClient as _whystuck_v1_NodeCollectorClient, NodeCollectorDefinition as _whystuck_v1_NodeCollectorDefinition } from './whystuck/v1/NodeCollector';
import type { NodeFacts as _whystuck_v1_NodeFacts, NodeFacts__Output as _whystuck_v1_NodeFacts__Output } from './whystuck/v1/NodeFacts';
import type { PidList as _whystuck_v1_PidList, PidList__Output as _whystuck_v1_PidList__Output } from './whystuck/v1/PidList';
import type { PodSummary as _whystuck_v1_PodSummary, PodSummary__Output as _whystuck_v1_PodSummary__Output } from './whystuck/v1/PodSummary';
import type { PodVolumeMount as _whystuck_v1_PodVolumeMount, PodVolumeMount__Output as _whystuck_v1_PodVolumeMount__Output } from './whystuck/v1/PodVolumeMount';
import type { Pressure as _whystuck_v1_Pressure, Pressure__Output as _whystuck_v1_Pressure__Output } from './whystuck/v1/Pressure';
import type { ReadProblem as _whystuck_v1_ReadProblem, ReadProblem__Output as _whystuck_v1_ReadProblem__Output } from './whystuck/v1/ReadProblem';
import type { RemediateRequest as _whystuck_v1_RemediateRequest, RemediateRequest__Output as _whystuck_v1_RemediateRequest__Output } from './whystuck/v1/RemediateRequest';
import type { RemediateResponse as _whystuck_v1_RemediateResponse, RemediateResponse__Output as _whystuck_v1_RemediateResponse__Output } from './whystuck/v1/RemediateResponse';
import type { RuntimeContainer as _whystuck_v1_RuntimeContainer, RuntimeContainer__Output as _whystuck_v1_RuntimeContainer__Output } from './whystuck/v1/RuntimeContainer';
import type { RuntimeSandbox as _whystuck_v1_RuntimeSandbox, RuntimeSandbox__Output as _whystuck_v1_RuntimeSandbox__Output } from './whystuck/v1/RuntimeSandbox';
import type { RuntimeShim as _whystuck_v1_RuntimeShim, RuntimeShim__Output as _whystuck_v1_RuntimeShim__Output } from './whystuck/v1/RuntimeShim';
import type { RuntimeView as _whystuck_v1_RuntimeView, RuntimeView__Output as _whystuck_v1_RuntimeView__Output } from './whystuck/v1/RuntimeView';
import type { SnapshotRequest as _whystuck_v1_SnapshotRequest, SnapshotRequest__Output as _whystuck_v1_SnapshotRequest__Output } from './whystuck/v1/SnapshotRequest';
import type { SnapshotResponse as _whystuck_v1_SnapshotResponse, SnapshotResponse__Output as _whystuck_v1_SnapshotResponse__Output } from './whystuck/v1/SnapshotResponse';
import type { StackFrame as _whystuck_v1_StackFrame, StackFrame__Output as _whystuck_v1_StackFrame__Output } from './whystuck/v1/StackFrame';
import type { Task as _whystuck_v1_Task, Task__Output as _whystuck_v1_Task__Output } from './whystuck/v1/Task';
import type { VolumeHolder as _whystuck_v1_VolumeHolder, VolumeHolder__Output as _whystuck_v1_VolumeHolder__Output } from './whystuck/v1/VolumeHolder';
import type { WatchEvent as _whystuck_v1_WatchEvent, WatchEvent__Output as _whystuck_v1_WatchEvent__Output } from './whystuck/v1/WatchEvent';
import type { WatchRequest as _whystuck_v1_WatchRequest, WatchRequest__Output as _whystuck_v1_WatchRequest__Output } from './whystuck/v1/WatchRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  whystuck: {
    v1: {
      ConditionEvent: MessageTypeDefinition<_whystuck_v1_ConditionEvent, _whystuck_v1_ConditionEvent__Output>
      CpuTimes: MessageTypeDefinition<_whystuck_v1_CpuTimes, _whystuck_v1_CpuTimes__Output>
      Detail: EnumTypeDefinition
      FreezerState: MessageTypeDefinition<_whystuck_v1_FreezerState, _whystuck_v1_FreezerState__Output>
      HealthRequest: MessageTypeDefinition<_whystuck_v1_HealthRequest, _whystuck_v1_HealthRequest__Output>
      HealthResponse: MessageTypeDefinition<_whystuck_v1_HealthResponse, _whystuck_v1_HealthResponse__Output>
      Heartbeat: MessageTypeDefinition<_whystuck_v1_Heartbeat, _whystuck_v1_Heartbeat__Output>
      KernelReportEvent: MessageTypeDefinition<_whystuck_v1_KernelReportEvent, _whystuck_v1_KernelReportEvent__Output>
      KmsgRecord: MessageTypeDefinition<_whystuck_v1_KmsgRecord, _whystuck_v1_KmsgRecord__Output>
      LoadAvg: MessageTypeDefinition<_whystuck_v1_LoadAvg, _whystuck_v1_LoadAvg__Output>
      LostEvents: MessageTypeDefinition<_whystuck_v1_LostEvents, _whystuck_v1_LostEvents__Output>
      MemcgOomEvents: MessageTypeDefinition<_whystuck_v1_MemcgOomEvents, _whystuck_v1_MemcgOomEvents__Output>
      Mount: MessageTypeDefinition<_whystuck_v1_Mount, _whystuck_v1_Mount__Output>
      NodeCollector: SubtypeConstructor<typeof grpc.Client, _whystuck_v1_NodeCollectorClient> & { service: _whystuck_v1_NodeCollectorDefinition }
      NodeFacts: MessageTypeDefinition<_whystuck_v1_NodeFacts, _whystuck_v1_NodeFacts__Output>
      PidList: MessageTypeDefinition<_whystuck_v1_PidList, _whystuck_v1_PidList__Output>
      PodSummary: MessageTypeDefinition<_whystuck_v1_PodSummary, _whystuck_v1_PodSummary__Output>
      PodVolumeMount: MessageTypeDefinition<_whystuck_v1_PodVolumeMount, _whystuck_v1_PodVolumeMount__Output>
      Pressure: MessageTypeDefinition<_whystuck_v1_Pressure, _whystuck_v1_Pressure__Output>
      ReadProblem: MessageTypeDefinition<_whystuck_v1_ReadProblem, _whystuck_v1_ReadProblem__Output>
      RemediateRequest: MessageTypeDefinition<_whystuck_v1_RemediateRequest, _whystuck_v1_RemediateRequest__Output>
      RemediateResponse: MessageTypeDefinition<_whystuck_v1_RemediateResponse, _whystuck_v1_RemediateResponse__Output>
      RemediateStatus: EnumTypeDefinition
      RuntimeContainer: MessageTypeDefinition<_whystuck_v1_RuntimeContainer, _whystuck_v1_RuntimeContainer__Output>
      RuntimeSandbox: MessageTypeDefinition<_whystuck_v1_RuntimeSandbox, _whystuck_v1_RuntimeSandbox__Output>
      RuntimeShim: MessageTypeDefinition<_whystuck_v1_RuntimeShim, _whystuck_v1_RuntimeShim__Output>
      RuntimeView: MessageTypeDefinition<_whystuck_v1_RuntimeView, _whystuck_v1_RuntimeView__Output>
      Signal: EnumTypeDefinition
      SnapshotRequest: MessageTypeDefinition<_whystuck_v1_SnapshotRequest, _whystuck_v1_SnapshotRequest__Output>
      SnapshotResponse: MessageTypeDefinition<_whystuck_v1_SnapshotResponse, _whystuck_v1_SnapshotResponse__Output>
      StackFrame: MessageTypeDefinition<_whystuck_v1_StackFrame, _whystuck_v1_StackFrame__Output>
      Task: MessageTypeDefinition<_whystuck_v1_Task, _whystuck_v1_Task__Output>
      VolumeHolder: MessageTypeDefinition<_whystuck_v1_VolumeHolder, _whystuck_v1_VolumeHolder__Output>
      WatchEvent: MessageTypeDefinition<_whystuck_v1_WatchEvent, _whystuck_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_whystuck_v1_WatchRequest, _whystuck_v1_WatchRequest__Output>
    }
  }
}

