// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { Image as _runtime_v1_Image, Image__Output as _runtime_v1_Image__Output } from '../../runtime/v1/Image';

export interface StreamImagesResponse {
  /**
   * List of images.
   */
  'images'?: (_runtime_v1_Image)[];
}

export interface StreamImagesResponse__Output {
  /**
   * List of images.
   */
  'images': (_runtime_v1_Image__Output)[];
}
