// Original file: /work/main/proto/whystuck/v1/collector.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { HealthRequest as _whystuck_v1_HealthRequest, HealthRequest__Output as _whystuck_v1_HealthRequest__Output } from '../../whystuck/v1/HealthRequest';
import type { HealthResponse as _whystuck_v1_HealthResponse, HealthResponse__Output as _whystuck_v1_HealthResponse__Output } from '../../whystuck/v1/HealthResponse';
import type { RemediateRequest as _whystuck_v1_RemediateRequest, RemediateRequest__Output as _whystuck_v1_RemediateRequest__Output } from '../../whystuck/v1/RemediateRequest';
import type { RemediateResponse as _whystuck_v1_RemediateResponse, RemediateResponse__Output as _whystuck_v1_RemediateResponse__Output } from '../../whystuck/v1/RemediateResponse';
import type { SnapshotRequest as _whystuck_v1_SnapshotRequest, SnapshotRequest__Output as _whystuck_v1_SnapshotRequest__Output } from '../../whystuck/v1/SnapshotRequest';
import type { SnapshotResponse as _whystuck_v1_SnapshotResponse, SnapshotResponse__Output as _whystuck_v1_SnapshotResponse__Output } from '../../whystuck/v1/SnapshotResponse';
import type { WatchEvent as _whystuck_v1_WatchEvent, WatchEvent__Output as _whystuck_v1_WatchEvent__Output } from '../../whystuck/v1/WatchEvent';
import type { WatchRequest as _whystuck_v1_WatchRequest, WatchRequest__Output as _whystuck_v1_WatchRequest__Output } from '../../whystuck/v1/WatchRequest';

export interface NodeCollectorClient extends grpc.Client {
  /**
   * Liveness, version and what this collector is able to read.
   */
  Health(argument: _whystuck_v1_HealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _whystuck_v1_HealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _whystuck_v1_HealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _whystuck_v1_HealthRequest, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Liveness, version and what this collector is able to read.
   */
  health(argument: _whystuck_v1_HealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _whystuck_v1_HealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _whystuck_v1_HealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _whystuck_v1_HealthRequest, callback: grpc.requestCallback<_whystuck_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Send a guarded signal to one process (PID-reuse checked, audited by the caller).
   */
  Remediate(argument: _whystuck_v1_RemediateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  Remediate(argument: _whystuck_v1_RemediateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  Remediate(argument: _whystuck_v1_RemediateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  Remediate(argument: _whystuck_v1_RemediateRequest, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Send a guarded signal to one process (PID-reuse checked, audited by the caller).
   */
  remediate(argument: _whystuck_v1_RemediateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  remediate(argument: _whystuck_v1_RemediateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  remediate(argument: _whystuck_v1_RemediateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  remediate(argument: _whystuck_v1_RemediateRequest, callback: grpc.requestCallback<_whystuck_v1_RemediateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One consistent look at the node: tasks, node facts, kernel log.
   */
  Snapshot(argument: _whystuck_v1_SnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  Snapshot(argument: _whystuck_v1_SnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  Snapshot(argument: _whystuck_v1_SnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  Snapshot(argument: _whystuck_v1_SnapshotRequest, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One consistent look at the node: tasks, node facts, kernel log.
   */
  snapshot(argument: _whystuck_v1_SnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  snapshot(argument: _whystuck_v1_SnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  snapshot(argument: _whystuck_v1_SnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  snapshot(argument: _whystuck_v1_SnapshotRequest, callback: grpc.requestCallback<_whystuck_v1_SnapshotResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Watch mode: classified kernel-log reports and persistent state changes as
   * they happen, resumable by sequence number (see WatchRequest).
   */
  Watch(argument: _whystuck_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_whystuck_v1_WatchEvent__Output>;
  Watch(argument: _whystuck_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_whystuck_v1_WatchEvent__Output>;
  /**
   * Watch mode: classified kernel-log reports and persistent state changes as
   * they happen, resumable by sequence number (see WatchRequest).
   */
  watch(argument: _whystuck_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_whystuck_v1_WatchEvent__Output>;
  watch(argument: _whystuck_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_whystuck_v1_WatchEvent__Output>;
  
}

export interface NodeCollectorHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Liveness, version and what this collector is able to read.
   */
  Health: grpc.handleUnaryCall<_whystuck_v1_HealthRequest__Output, _whystuck_v1_HealthResponse>;
  
  /**
   * Send a guarded signal to one process (PID-reuse checked, audited by the caller).
   */
  Remediate: grpc.handleUnaryCall<_whystuck_v1_RemediateRequest__Output, _whystuck_v1_RemediateResponse>;
  
  /**
   * One consistent look at the node: tasks, node facts, kernel log.
   */
  Snapshot: grpc.handleUnaryCall<_whystuck_v1_SnapshotRequest__Output, _whystuck_v1_SnapshotResponse>;
  
  /**
   * Watch mode: classified kernel-log reports and persistent state changes as
   * they happen, resumable by sequence number (see WatchRequest).
   */
  Watch: grpc.handleServerStreamingCall<_whystuck_v1_WatchRequest__Output, _whystuck_v1_WatchEvent>;
  
}

export interface NodeCollectorDefinition extends grpc.ServiceDefinition {
  Health: MethodDefinition<_whystuck_v1_HealthRequest, _whystuck_v1_HealthResponse, _whystuck_v1_HealthRequest__Output, _whystuck_v1_HealthResponse__Output>
  Remediate: MethodDefinition<_whystuck_v1_RemediateRequest, _whystuck_v1_RemediateResponse, _whystuck_v1_RemediateRequest__Output, _whystuck_v1_RemediateResponse__Output>
  Snapshot: MethodDefinition<_whystuck_v1_SnapshotRequest, _whystuck_v1_SnapshotResponse, _whystuck_v1_SnapshotRequest__Output, _whystuck_v1_SnapshotResponse__Output>
  Watch: MethodDefinition<_whystuck_v1_WatchRequest, _whystuck_v1_WatchEvent, _whystuck_v1_WatchRequest__Output, _whystuck_v1_WatchEvent__Output>
}
