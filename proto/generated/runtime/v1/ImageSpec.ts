// Original file: /work/main/proto/vendor/cri-api/api.proto


/**
 * ImageSpec is an internal representation of an image.
 */
export interface ImageSpec {
  /**
   * Container's Image field (e.g. imageID or imageDigest).
   */
  'image'?: (string);
  /**
   * Unstructured key-value map holding arbitrary metadata.
   * ImageSpec Annotations can be used to help the runtime target specific
   * images in multi-arch images.
   */
  'annotations'?: ({[key: string]: string});
  /**
   * The container image reference specified by the user (e.g. image[:tag] or digest).
   * Only set if available within the RPC context.
   */
  'user_specified_image'?: (string);
  /**
   * Runtime handler to use for pulling the image.
   * If the runtime handler is unknown, the request should be rejected.
   * An empty string would select the default runtime handler.
   */
  'runtime_handler'?: (string);
  /**
   * The digest of the image used for this volume.
   * It should have a value that's similar to the pod's status.containerStatuses[i].imageID.
   */
  'image_ref'?: (string);
}

/**
 * ImageSpec is an internal representation of an image.
 */
export interface ImageSpec__Output {
  /**
   * Container's Image field (e.g. imageID or imageDigest).
   */
  'image': (string);
  /**
   * Unstructured key-value map holding arbitrary metadata.
   * ImageSpec Annotations can be used to help the runtime target specific
   * images in multi-arch images.
   */
  'annotations': ({[key: string]: string});
  /**
   * The container image reference specified by the user (e.g. image[:tag] or digest).
   * Only set if available within the RPC context.
   */
  'user_specified_image': (string);
  /**
   * Runtime handler to use for pulling the image.
   * If the runtime handler is unknown, the request should be rejected.
   * An empty string would select the default runtime handler.
   */
  'runtime_handler': (string);
  /**
   * The digest of the image used for this volume.
   * It should have a value that's similar to the pod's status.containerStatuses[i].imageID.
   */
  'image_ref': (string);
}
