// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface FreezerState {
  'cgroup_path'?: (string);
  'pod_uid'?: (string);
  'container_id'?: (string);
  /**
   * THAWED | FREEZING | FROZEN
   */
  'state'?: (string);
  'cgroup_version'?: (number);
}

export interface FreezerState__Output {
  'cgroup_path': (string);
  'pod_uid': (string);
  'container_id': (string);
  /**
   * THAWED | FREEZING | FROZEN
   */
  'state': (string);
  'cgroup_version': (number);
}
