import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's busybox-static: one static binary, every applet a symlink to it. */
export const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'sleep', 'cat', 'stat', 'ls', 'ps', 'true', 'kill'];

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/**
 * A minimal OCI image (images cannot be pulled here): a layer tar of a rootfs
 * holding busybox, a config whose default process sleeps forever (it serves
 * as the pod sandbox's "pause"), a manifest, an index naming the image, and
 * the oci-layout marker — packed as one tar for `ctr images import`.
 * Returns the tar's path.
 */
export function buildBusyboxImage(dir: string, name: string): string {
  const rootfs = join(dir, 'rootfs');
  const layout = join(dir, 'oci');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'etc', 'tmp', 'mnt']) mkdirSync(join(rootfs, d), { recursive: true });
  mkdirSync(blobs, { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
  const layerTar = join(dir, 'layer.tar');
  const tar = spawnSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', layerTar, '-C', rootfs, '.']);
  if (tar.status !== 0) throw new Error(`tar of the image rootfs failed: ${tar.stderr.toString()}`);
  const blob = (content: Buffer): { digest: string; size: number } => {
    const digest = sha256(content);
    writeFileSync(join(blobs, digest), content);
    return { digest: `sha256:${digest}`, size: content.length };
  };
  const layer = blob(readFileSync(layerTar));
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: ARCH[process.arch] ?? process.arch,
        os: 'linux',
        config: { Env: ['PATH=/bin'], Entrypoint: ['/bin/sleep'], Cmd: ['2147483647'] },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifestType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: manifestType,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: manifestType, ...manifest, annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() } }],
    }),
  );
  const imageTar = join(dir, 'image.tar');
  const pack = spawnSync('tar', ['-cf', imageTar, '-C', layout, '.']);
  if (pack.status !== 0) throw new Error(`tar of the OCI layout failed: ${pack.stderr.toString()}`);
  return imageTar;
}
