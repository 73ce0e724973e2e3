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
