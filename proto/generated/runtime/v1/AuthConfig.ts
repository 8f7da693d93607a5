// Original file: /work/main/proto/vendor/cri-api/api.proto


/**
 * AuthConfig contains authorization information for connecting to a registry.
 */
export interface AuthConfig {
  'username'?: (string);
  'password'?: (string);
  'auth'?: (string);
  'server_address'?: (string);
  /**
   * IdentityToken is used to authenticate the user and get
   * an access token for the registry.
   */
  'identity_token'?: (string);
  /**
   * RegistryToken is a bearer token to be sent to a registry
   */
  'registry_token'?: (string);
}

/**
 * AuthConfig contains authorization information for connecting to a registry.
 */
export interface AuthConfig__Output {
  'username': (string);
  'password': (string);
  'auth': (string);
  'server_address': (string);
  /**
   * IdentityToken is used to authenticate the user and get
   * an access token for the registry.
   */
  'identity_token': (string);
  /**
   * RegistryToken is a bearer token to be sent to a registry
   */
  'registry_token': (string);
}
