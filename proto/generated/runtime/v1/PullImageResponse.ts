// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface PullImageResponse {
  /**
   * Reference to the unique identifier of the image on the node, as
   * returned in the image and runtime service apis.
   * 
   * When referring to the same image, the container runtime MUST always return
   * the same value for:
   * - Image.id
   * - Container.image_id
   * - ContainerStatus.image_id
   * - PullImageResponse.image_ref
   * Note: this field has a stricter meaning starting with v1.36.
   * It used to be image ID OR digest, which are different values,
   * and would not necessarily match other ID fields in the Container,
   * ContainerStatus, and Image messages
   */
  'image_ref'?: (string);
}

export interface PullImageResponse__Output {
  /**
   * Reference to the unique identifier of the image on the node, as
   * returned in the image and runtime service apis.
   * 
   * When referring to the same image, the container runtime MUST always return
   * the same value for:
   * - Image.id
   * - Container.image_id
   * - ContainerStatus.image_id
   * - PullImageResponse.image_ref
   * Note: this field has a stricter meaning starting with v1.36.
   * It used to be image ID OR digest, which are different values,
   * and would not necessarily match other ID fields in the Container,
   * ContainerStatus, and Image messages
   */
  'image_ref': (string);
}
