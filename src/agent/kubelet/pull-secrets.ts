/**
 * Registry credentials for an image from a pod's imagePullSecrets (kubernetes.io/dockerconfigjson
 * and the legacy kubernetes.io/dockercfg), matched as the kubelet's credential keyring does: the
 * image's registry host (docker.io for short names, whose keys are also spelled
 * `https://index.docker.io/v1/`), then the longest matching `host/path` prefix. Pure.
 */
import type { AuthConfig } from '../runtime/cri-types.js';

interface DockerAuthEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The registry host and path of an image reference (`nginx` → docker.io/library/nginx). */
export function imageRegistryPath(image: string): { host: string; path: string } {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.indexOf('/');
  const first = slash < 0 ? '' : noDigest.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = isHost ? first : 'docker.io';
  let path = isHost ? noDigest.slice(slash + 1) : noDigest;
  if (!isHost && !path.includes('/')) path = `library/${path}`;
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) path = path.slice(0, colon);
  return { host, path };
}

function normalizeKey(key: string): string {
  let k = key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (k === 'index.docker.io/v1' || k === 'index.docker.io' || k === 'registry-1.docker.io') k = 'docker.io';
  return k;
}

/**
 * No `serverAddress`, as the kubelet's keyring leaves it empty: containerd sends credentials only
 * to the host whose name equals the URL host of serverAddress, so a bare registry name there
 * withholds them from every host, and a registry name withholds them from its mirrors.
 *
 * Parses the `.dockerconfigjson` (or `.dockercfg`) payloads of the pod's pull secrets (already
 * base64-decoded) and returns the credentials for `image`, or undefined.
 */
export function authForImage(image: string, configs: readonly string[]): AuthConfig | undefined {
  const { host, path } = imageRegistryPath(image);
  const full = `${host}/${path}`;
  let best: { len: number; auth: AuthConfig } | undefined;
  for (const text of configs) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    const auths = ((parsed as { auths?: unknown }).auths ?? parsed) as Record<string, DockerAuthEntry>;
    if (!auths || typeof auths !== 'object') continue;
    for (const [key, entry] of Object.entries(auths)) {
      const k = normalizeKey(key);
      if (!(full === k || full.startsWith(`${k}/`) || host === k)) continue;
      if (best && best.len >= k.length) continue;
      let { username, password } = entry;
      if ((!username || !password) && entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) {
          username = decoded.slice(0, i);
          password = decoded.slice(i + 1);
        }
      }
      best = {
        len: k.length,
        auth: {
          ...(username ? { username } : {}),
          ...(password ? { password } : {}),
          ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
          ...(entry.registrytoken ? { registryToken: entry.registrytoken } : {}),
        },
      };
    }
  }
  return best?.auth;
}
