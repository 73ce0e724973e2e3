/**
 * The images Flotilla builds itself from Debian packages (nothing is pulled from a public
 * registry): the sandbox (pause) image every pod starts with, busybox for tests and examples, and
 * the demo app that serves /health, /ready and Prometheus /metrics for the seed's probes and queries.
 * All live in containerd's `k8s.io` namespace, where the CRI plugin looks for images.
 */
export const BUILTIN_IMAGES = {
  pause: 'flotilla.local/pause:3.9',
  busybox: 'flotilla.local/busybox:1.35',
  demo: 'flotilla.local/demo-app:1.0',
} as const;

export type BuiltinImage = keyof typeof BUILTIN_IMAGES;

/** containerd namespace used by the CRI plugin (and so by every pod). */
export const CRI_NAMESPACE = 'k8s.io';

/**
 * Every name the demo app image is imported under, with the VERSION it reports by default (a pod's
 * env overrides it): its own name and the seed's application image at both versions of its
 * blue/green rollout. One manifest per version; they share every layer.
 */
export const DEMO_APP_NAMES: Readonly<Record<string, string>> = {
  [BUILTIN_IMAGES.demo]: '1.0',
  'myregistry.com/myapp:v1.2.3': 'v1.2.3',
  'myregistry.com/myapp:v1.3.0': 'v1.3.0',
};
