import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

/**
 * A small kustomize for our own manifests: resources (files and directories),
 * namespace, labels (metadata only), images (newName, newTag, digest), strategic-merge patches from
 * files, and secretGenerator (files, envs, literals) with
 * disableNameSuffixHash. Anything else in a kustomization is an error, so a
 * feature we start using cannot be silently ignored. Tests compare its output
 * with `kubectl kustomize` where kubectl is installed.
 */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'patches', 'secretGenerator', 'generatorOptions']);
const IMAGE_KEYS = new Set(['name', 'newName', 'newTag', 'digest']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition']);
/** Lists merged element by element in a strategic merge patch, and the key that identifies an element. */
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', volumes: 'name', volumeMounts: 'mountPath', env: 'name', ports: 'containerPort' };

type Kustomization = {
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { path: string }[];
  secretGenerator?: { name: string; type?: string; files?: string[]; envs?: string[]; literals?: string[] }[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readObjects(file: string): K8sObject[] {
  return YAML.parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as K8sObject)
    .filter(Boolean);
}

/** Strategic merge (the subset our patches use): maps merge, `null` deletes, keyed lists merge by key (`$patch: delete` removes an element), other lists are replaced. */
export function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v, k) : stripNulls(v);
    }
    return out;
  }
  const key = MERGE_KEYS[field];
  if (Array.isArray(base) && Array.isArray(patch) && key) {
    const out = [...base];
    for (const p of patch) {
      const i = out.findIndex((b) => isObj(b) && isObj(p) && b[key] === p[key]);
      if (isObj(p) && p.$patch === 'delete') {
        if (i >= 0) out.splice(i, 1);
        continue;
      }
      if (i >= 0) out[i] = strategicMerge(out[i], p, field);
      else out.push(stripNulls(p));
    }
    return out;
  }
  return stripNulls(patch);
}

const stripNulls = (v: unknown): unknown =>
  isObj(v)
    ? Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== null)
          .map(([k, x]) => [k, stripNulls(x)]),
      )
    : Array.isArray(v)
      ? v.map(stripNulls)
      : v;

function generateSecret(dir: string, g: NonNullable<Kustomization['secretGenerator']>[number], opts: Kustomization['generatorOptions']): K8sObject {
  if (!opts?.disableNameSuffixHash) throw new Error(`${dir}: secretGenerator ${g.name} needs generatorOptions.disableNameSuffixHash (name hashes are not implemented)`);
  const data: Record<string, string> = {};
  for (const f of g.files ?? []) {
    const [key, path] = f.includes('=') ? f.split('=', 2) : [f.split('/').pop()!, f];
    data[key] = readFileSync(join(dir, path)).toString('base64');
  }
  for (const e of g.envs ?? []) {
    for (const line of readFileSync(join(dir, e), 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      const eq = t.indexOf('=');
      data[t.slice(0, eq)] = Buffer.from(t.slice(eq + 1)).toString('base64');
    }
  }
  for (const l of g.literals ?? []) {
    const eq = l.indexOf('=');
    data[l.slice(0, eq)] = Buffer.from(l.slice(eq + 1)).toString('base64');
  }
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: g.name }, type: g.type ?? 'Opaque', data };
}

function setImage(obj: K8sObject, images: NonNullable<Kustomization['images']>): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (!isObj(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'containers' || k === 'initContainers') && Array.isArray(x)) {
        for (const c of x as { image?: string }[]) {
          const name = c.image?.replace(/[:@].*$/, '');
          const rule = images.find((i) => i.name === name);
          // As kustomize: a digest gives NAME:TAG@DIGEST with newTag, NAME@DIGEST without (the old tag dropped).
          if (rule && c.image)
            c.image = rule.digest ? `${rule.newName ?? name}${rule.newTag ? `:${rule.newTag}` : ''}@${rule.digest}` : `${rule.newName ?? name}:${rule.newTag ?? c.image.split(':')[1] ?? 'latest'}`;
        }
      } else walk(x);
    }
  };
  walk(obj);
}

/** `kustomize build DIR`, as objects. */
export function renderKustomization(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir} has no kustomization.yaml`);
  const k = YAML.parse(readFileSync(file, 'utf8')) as Kustomization & Record<string, unknown>;
  const unknown = Object.keys(k).filter((key) => !KNOWN.has(key));
  if (unknown.length) throw new Error(`${file}: ${unknown.join(', ')} not supported by the test renderer`);
  const imageKeys = (k.images ?? []).flatMap((i) => Object.keys(i).filter((key) => !IMAGE_KEYS.has(key)));
  if (imageKeys.length) throw new Error(`${file}: images.${imageKeys.join(', images.')} not supported by the test renderer`);
  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readObjects(path)));
  }
  for (const g of k.secretGenerator ?? []) objects.push(generateSecret(dir, g, k.generatorOptions));
  for (const p of k.patches ?? []) {
    for (const patch of readObjects(join(dir, p.path))) {
      const i = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (i < 0) throw new Error(`${p.path}: no ${patch.kind} ${patch.metadata.name} to patch`);
      if ((patch as { $patch?: string }).$patch === 'delete') objects.splice(i, 1);
      else objects[i] = strategicMerge(objects[i], patch) as K8sObject;
    }
  }
  objects = objects.map((o) => {
    const out = structuredClone(o);
    if (k.namespace && !CLUSTER_SCOPED.has(out.kind)) out.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) {
      if (l.includeSelectors || l.includeTemplates) throw new Error(`${file}: labels with selectors or templates are not supported by the test renderer`);
      out.metadata.labels = { ...out.metadata.labels, ...l.pairs };
    }
    if (k.images) setImage(out, k.images);
    return out;
  });
  return objects;
}

export const renderDir = (relative: string): K8sObject[] => renderKustomization(resolve(__dirname, '..', '..', '..', relative));
export const repoPath = (...parts: string[]): string => resolve(__dirname, '..', '..', '..', ...parts);
