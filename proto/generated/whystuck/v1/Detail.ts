// Original file: /work/main/proto/whystuck/v1/collector.proto

export const Detail = {
  DETAIL_UNSPECIFIED: 'DETAIL_UNSPECIFIED',
  DETAIL_BASIC: 'DETAIL_BASIC',
  DETAIL_FULL: 'DETAIL_FULL',
} as const;

export type Detail =
  | 'DETAIL_UNSPECIFIED'
  | 0
  | 'DETAIL_BASIC'
  | 1
  | 'DETAIL_FULL'
  | 2

export type Detail__Output = typeof Detail[keyof typeof Detail]
