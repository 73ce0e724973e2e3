/**
 * Field markers used in our .proto texts (custom field options; protobufjs keeps them as
 * `options['(keep)']` / `options['(inline)']` without a declaring extension).
 *
 * - KEEP: a scalar whose zero value is meaningful once present on the wire: a Go pointer
 *   (`*int32`, `*bool`, `*string`: gogo writes it only when set, JSON keeps `0` / `false` / `""`) or
 *   a value field without `omitempty` (JSON always carries it). Unmarked scalars are Go value
 *   fields with `omitempty`: gogo always writes them, JSON drops their zero value, and so do we.
 * - INLINE: an embedded Go struct marked `json:",inline"` (VolumeSource in Volume, ProbeHandler in
 *   Probe, LocalObjectReference in ConfigMapVolumeSource...): its fields are merged into the parent.
 */
export const K = ' [(keep) = true]';
/**
 * NUL: a Go field without `omitempty` that can be nil (a slice, map or pointer): absent on the wire,
 * it is `null` in Go's JSON (`"rules": null`), so we emit null too. KN: a nil-able pointer scalar
 * without omitempty (absent → null, present zero → kept).
 */
export const NUL = ' [(null) = true]';
export const KN = ' [(keep) = true, (null) = true]';
export const IN = ' [(inline) = true]';

/** Full names of the apimachinery packages, for references from the k8s.io/api packages. */
export const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';
export const RUNTIME = '.k8s.io.apimachinery.pkg.runtime';
export const Q = '.k8s.io.apimachinery.pkg.api.resource.Quantity';
export const IOS = '.k8s.io.apimachinery.pkg.util.intstr.IntOrString';
export const CORE = '.k8s.io.api.core.v1';
