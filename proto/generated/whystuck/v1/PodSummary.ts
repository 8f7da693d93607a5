// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface PodSummary {
  'pod_uid'?: (string);
  /**
   * guaranteed | burstable | besteffort
   */
  'qos_class'?: (string);
  'container_ids'?: (string)[];
  'task_count'?: (number);
}

export interface PodSummary__Output {
  'pod_uid': (string);
  /**
   * guaranteed | burstable | besteffort
   */
  'qos_class': (string);
  'container_ids': (string)[];
  'task_count': (number);
}
