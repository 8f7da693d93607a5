// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A process that holds a pod's mount: its mount namespace has a copy of it
 * (how = mount; the pod's own containers have it too, their pod_uid says so),
 * or it has a file open (open-file) or its working directory (cwd) under it.
 */
export interface VolumeHolder {
  'pid'?: (number);
  'comm'?: (string);
  /**
   * its state letter (a D here is a task stuck on the mount, or on something else)
   */
  'state'?: (string);
  'start_time_ticks'?: (number | string | Long);
  /**
   * inode of its mount namespace
   */
  'mount_ns'?: (number | string | Long);
  /**
   * mount | open-file | cwd
   */
  'how'?: (string);
  /**
   * the mount point, file or directory as that process sees it
   */
  'path'?: (string);
  /**
   * the holder's own pod, from its cgroup ("" outside pods)
   */
  'pod_uid'?: (string);
  'ppid'?: (number);
  /**
   * proc/PID/stat flags (PF_EXITING, kernel thread)
   */
  'flags'?: (number);
}

/**
 * A process that holds a pod's mount: its mount namespace has a copy of it
 * (how = mount; the pod's own containers have it too, their pod_uid says so),
 * or it has a file open (open-file) or its working directory (cwd) under it.
 */
export interface VolumeHolder__Output {
  'pid': (number);
  'comm': (string);
  /**
   * its state letter (a D here is a task stuck on the mount, or on something else)
   */
  'state': (string);
  'start_time_ticks': (number);
  /**
   * inode of its mount namespace
   */
  'mount_ns': (number);
  /**
   * mount | open-file | cwd
   */
  'how': (string);
  /**
   * the mount point, file or directory as that process sees it
   */
  'path': (string);
  /**
   * the holder's own pod, from its cgroup ("" outside pods)
   */
  'pod_uid': (string);
  'ppid': (number);
  /**
   * proc/PID/stat flags (PF_EXITING, kernel thread)
   */
  'flags': (number);
}
