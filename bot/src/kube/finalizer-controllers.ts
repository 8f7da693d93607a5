/**
 * Where the controller that removes a pod's finalizer runs, and how its pods
 * are found through the API — with what can be known, and how sure:
 *   labels  a well-known controller by its own labels: kube-controller-manager
 *           (the Job controller, the garbage collector, the PVC / PV protection
 *           and namespace controllers) is a static pod in kube-system labelled
 *           component=kube-controller-manager on a kubeadm-style control plane;
 *           a managed control plane runs it where the API does not show it.
 *   names   a Deployment whose name (or namespace) matches the finalizer's
 *           domain — "example.com/backup-guard" → a Deployment "example-operator"
 *           — or, with a controller-like name, its own name ("runner-registration"
 *           → "runner-operator"). Nothing in the API links a finalizer to its
 *           controller: this is a guess by name, and said as one.
 * Shared by the live read (pod-layer.ts) and finalizer-blocked, which says
 * what was found. Pure: no API client here.
 */
export type ControllerSearch =
  | { key: string; controller: string; by: 'labels'; namespace: string; selector: string; noneMeans: string }
  | { key: string; controller: string; by: 'names'; terms: string[][]; hints: string[][]; noneMeans: string };

const KCM = (controller: string): ControllerSearch => ({
  key: 'labels kube-system component=kube-controller-manager',
  controller,
  by: 'labels',
  namespace: 'kube-system',
  selector: 'component=kube-controller-manager',
  noneMeans: 'a managed control plane (EKS, GKE, AKS …) runs it outside the cluster, where whether it runs cannot be read through the API',
});

/** Domain labels and name words that say nothing about who owns a finalizer. */
const GENERIC = new Set([
  'com',
  'org',
  'net',
  'io',
  'dev',
  'sh',
  'co',
  'ai',
  'app',
  'apps',
  'cloud',
  'k8s',
  'kubernetes',
  'www',
  'api',
  'the',
  'and',
  'for',
  'finalizer',
  'finalizers',
  'cleanup',
  'protection',
  'delete',
  'deletion',
  'pod',
  'pods',
  'resource',
  'resources',
  'hook',
  'lock',
]);
/** Words of a Deployment name that make it a controller (for a match on the finalizer's own name only). */
const CONTROLLER_WORDS = new Set(['operator', 'controller', 'manager', 'webhook', 'attacher', 'provisioner', 'csi', 'plugin', 'agent']);

export const words = (s: string): string[] => [
  ...new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 3 && !GENERIC.has(w) && !/^\d+$/.test(w)),
  ),
];

/** Who removes finalizer `f`, and how its pods are looked for. */
export function controllerSearch(f: string): ControllerSearch {
  if (f === 'batch.kubernetes.io/job-tracking') return KCM('kube-controller-manager (the Job controller)');
  if (f === 'foregroundDeletion' || f === 'orphan') return KCM('kube-controller-manager (the garbage collector)');
  if (f === 'kubernetes.io/pvc-protection' || f === 'kubernetes.io/pv-protection') return KCM('kube-controller-manager (the volume protection controllers)');
  if (f === 'kubernetes') return KCM('kube-controller-manager (the namespace controller)');
  if (f.startsWith('external-attacher/')) {
    const driver = f.slice(18);
    const terms = words(driver.replace(/-/g, '.')).filter((w) => w !== 'csi');
    return {
      key: `names ${f}`,
      controller: `the CSI controller of ${driver} (its external-attacher)`,
      by: 'names',
      terms: terms.map((w) => [w]),
      hints: [['attacher'], ['csi']],
      noneMeans: "the driver's controller may run under another name, as a StatefulSet, or outside the cluster",
    };
  }
  if (f.startsWith('snapshot.storage.kubernetes.io/')) {
    return {
      key: 'names snapshot-controller',
      controller: 'the CSI snapshot controller',
      by: 'names',
      terms: [['snapshot', 'controller']],
      hints: [],
      noneMeans: 'it may run under another name or not be installed at all',
    };
  }
  if (f === 'service.kubernetes.io/load-balancer-cleanup') {
    return {
      key: 'names cloud-controller-manager',
      controller: 'the cloud controller manager',
      by: 'names',
      terms: [['cloud', 'controller']],
      hints: [],
      noneMeans: 'it often runs as a DaemonSet or static pod, or outside the cluster on a managed control plane',
    };
  }
  const slash = f.indexOf('/');
  const domain = slash >= 0 ? f.slice(0, slash) : f;
  const labels = domain.split('.');
  // The last label of a dotted domain is its TLD ("com", "io", "dev"): never a name.
  const terms = words((labels.length > 1 ? labels.slice(0, -1) : labels).join('.'));
  const hints = slash >= 0 ? words(f.slice(slash + 1)).filter((w) => !terms.includes(w)) : [];
  return {
    key: `names ${f}`,
    controller: `the controller of ${domain}`,
    by: 'names',
    terms: terms.map((w) => [w]),
    hints: hints.map((w) => [w]),
    noneMeans: 'its controller may be named otherwise, run as a StatefulSet or DaemonSet, run outside the cluster, or be gone (uninstalled before the pods it finalizes)',
  };
}

/** A word of a name matches a term word: the same, a plural of it, or one of them a prefix of the other (4 letters at least). */
function wordMatches(term: string, name: string[]): boolean {
  return name.some((w) => w === term || (w.length >= 4 && term.startsWith(w)) || (term.length >= 4 && w.startsWith(term)));
}

const groupIn = (group: string[], name: string[]): boolean => group.length > 0 && group.every((t) => wordMatches(t, name));

/**
 * How well Deployment NS/NAME matches a names search (0: not at all), and
 * which word made it: a domain word in its name counts most, in its namespace
 * less; the finalizer's own words only for a controller-like name.
 */
export function nameMatch(search: Extract<ControllerSearch, { by: 'names' }>, namespace: string, name: string): { score: number; why: string } {
  const n = name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const ns = namespace
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const controllerLike = n.some((w) => CONTROLLER_WORDS.has(w));
  let score = 0;
  const why: string[] = [];
  for (const g of search.terms) {
    if (groupIn(g, n)) {
      score += 3;
      why.push(`its name matches "${g.join('-')}"`);
    } else if (controllerLike && groupIn(g, ns)) {
      score += 1;
      why.push(`its namespace matches "${g.join('-')}"`);
    }
  }
  if (controllerLike) {
    for (const g of search.hints)
      if (groupIn(g, n)) {
        score += 1;
        why.push(`its name matches "${g.join('-')}"`);
      }
    // Of two names that match alike, the controller's ("example-operator") before a workload's ("example-web").
    if (score > 0) score += 1;
  }
  return { score, why: why.join(', ') };
}
