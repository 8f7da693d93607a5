/** Kubernetes object names as the API allows them; anything else never reaches a lookup or a selector. */
export const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A node name (DNS subdomain, at most 253 characters). */
export const isNodeName = (node: string): boolean => node.length <= 253 && SUBDOMAIN.test(node);

/** A namespace name (DNS label, at most 63 characters). */
export const isNamespaceName = (ns: string): boolean => ns.length <= 63 && LABEL.test(ns);

/** Pod and namespace names as Kubernetes allows them; anything else never reaches the API. */
export function validatePodRef(namespace: string, name: string): string | null {
  if (!isNamespaceName(namespace)) return `"${namespace}" is not a valid namespace name (lowercase letters, digits and "-", at most 63)`;
  if (!SUBDOMAIN.test(name) || name.length > 253) return `"${name}" is not a valid pod name (lowercase letters, digits, "-" and ".", at most 253)`;
  return null;
}
