import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { renderKustomization, repoPath, type K8sObject } from '../helpers/deploy/render-kustomize';

/**
 * The production overlay runs images pinned by digest (a tag can be moved to
 * other bytes; a digest cannot). Every container image it renders must end in
 * @sha256:<64 hex>. Its digests are a placeholder (all zeros) until the release
 * process replaces them, and the overlay and deploy/README.md must say so.
 */
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PLACEHOLDER = `sha256:${'0'.repeat(64)}`;
const prodDir = repoPath('deploy/kustomize/overlays/production');

/** Every container and init container image of the objects, with where it is. */
function images(objs: K8sObject[]): { where: string; image: string }[] {
  return objs.flatMap((o) => {
    const spec = (o as any).spec?.template?.spec ?? (o as any).spec?.jobTemplate?.spec?.template?.spec ?? (o.kind === 'Pod' ? (o as any).spec : undefined);
    if (!spec) return [];
    return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((field) =>
      (spec[field] ?? []).map((c: { name: string; image: string }) => ({ where: `${o.kind}/${o.metadata.name} ${field} ${c.name}`, image: c.image })),
    );
  });
}
/** The images without a digest (NAME[:TAG]@sha256:<64 hex>): what the production overlay refuses. */
const undigested = (objs: K8sObject[]): string[] =>
  images(objs)
    .filter(({ image }) => !/^[^@\s]+@sha256:[0-9a-f]{64}$/.test(image))
    .map(({ where, image }) => `${where}: ${image}`);

describe('production images are pinned by digest', () => {
  const prod = renderKustomization(prodDir);

  it('every container image of the production overlay names a digest', () => {
    const all = images(prod);
    expect(all.map((i) => i.where).sort()).toEqual(['DaemonSet/whystuck-collector containers collector', 'Deployment/whystuck-bot containers bot']);
    expect(undigested(prod)).toEqual([]);
    // Through kustomize's `images:` (newName, newTag and digest), so the release process edits one place.
    const k = YAML.parse(readFileSync(`${prodDir}/kustomization.yaml`, 'utf8')) as { images: { name: string; newName: string; newTag?: string; digest?: string }[] };
    expect(k.images.map((i) => i.name).sort()).toEqual(['whystuck-bot', 'whystuck-collector']);
    for (const i of k.images) {
      expect(i.digest).toMatch(DIGEST);
      expect(all.find((x) => x.image.startsWith(`${i.newName}:`) || x.image.startsWith(`${i.newName}@`))?.image).toBe(`${i.newName}${i.newTag ? `:${i.newTag}` : ''}@${i.digest}`);
    }
  });

  it('refuses an image reference without a digest, or with a malformed one', () => {
    for (const image of [
      'registry.example.com/whystuck/bot:0.1.0',
      'registry.example.com/whystuck/bot',
      'registry.example.com/whystuck/bot@sha256:abc',
      `registry.example.com/whystuck/bot:0.1.0@sha512:${'a'.repeat(64)}`,
      `registry.example.com/whystuck/bot@sha256:${'A'.repeat(64)}`,
    ]) {
      const objs = structuredClone(prod);
      (objs.find((o) => o.kind === 'Deployment') as any).spec.template.spec.containers[0].image = image;
      expect(undigested(objs)).toEqual([`Deployment/whystuck-bot containers bot: ${image}`]);
    }
    // An init container counts too.
    const objs = structuredClone(prod);
    (objs.find((o) => o.kind === 'DaemonSet') as any).spec.template.spec.initContainers = [{ name: 'setup', image: 'busybox:1.36' }];
    expect(undigested(objs)).toEqual(['DaemonSet/whystuck-collector initContainers setup: busybox:1.36']);
  });

  it('the placeholder digest is documented as what the release process replaces', () => {
    const text = readFileSync(`${prodDir}/kustomization.yaml`, 'utf8');
    const k = YAML.parse(text) as { images: { digest: string }[] };
    if (k.images.some((i) => i.digest === PLACEHOLDER)) {
      expect(text).toMatch(/^# PLACEHOLDER: the all-zero sha256:0000…0000 below is no real image\. The\n# release process replaces both `digest:` values/m);
      expect(readFileSync(repoPath('deploy/README.md'), 'utf8')).toMatch(/placeholder digest[^]*sha256:0000…0000[^]*release process replaces/i);
    }
    // Any other digest must look like a real one: not some other made-up pattern.
    for (const i of k.images.filter((x) => x.digest !== PLACEHOLDER)) expect(new Set(i.digest.slice(7)).size).toBeGreaterThan(4);
  });
});
