// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface LoadAvg {
  'one'?: (number | string);
  'five'?: (number | string);
  'fifteen'?: (number | string);
  /**
   * runnable scheduling entities now
   */
  'running'?: (number);
  /**
   * scheduling entities that exist
   */
  'total'?: (number);
}

export interface LoadAvg__Output {
  'one': (number);
  'five': (number);
  'fifteen': (number);
  /**
   * runnable scheduling entities now
   */
  'running': (number);
  /**
   * scheduling entities that exist
   */
  'total': (number);
}
