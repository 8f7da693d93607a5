// Original file: /work/main/proto/whystuck/v1/collector.proto

export const Signal = {
  SIGNAL_UNSPECIFIED: 'SIGNAL_UNSPECIFIED',
  SIGTERM: 'SIGTERM',
  SIGKILL: 'SIGKILL',
  SIGCONT: 'SIGCONT',
} as const;

export type Signal =
  | 'SIGNAL_UNSPECIFIED'
  | 0
  | 'SIGTERM'
  | 15
  | 'SIGKILL'
  | 9
  | 'SIGCONT'
  | 18

export type Signal__Output = typeof Signal[keyof typeof Signal]
