/** PersistentVolumeClaimSpec validation, shared by PVCs, ephemeral volumes and StatefulSet templates. */
import type { V1PersistentVolumeClaimSpec } from './pod-types.js';
import { readQuantity, validateResourceQuantityValue } from './resources-validation.js';
import {
  type Errs,
  FieldPath,
  IS_NOT_POSITIVE,
  arr,
  forbidden,
  invalid,
  msgs,
  nameIsDNSSubdomain,
  notSupported,
  required,
  validateLabelSelector,
} from './validation-util.js';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/** ValidatePersistentVolumeClaimSpec. */
export function validatePersistentVolumeClaimSpec(spec: V1PersistentVolumeClaimSpec, path: FieldPath): Errs {
  const errs: Errs = [];
  const modes = arr(spec.accessModes);
  if (modes.length === 0) errs.push(required(path.child('accessModes'), 'at least 1 access mode is required'));
  errs.push(...validateLabelSelector(spec.selector, path.child('selector')));
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path.child('accessModes'), m, ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) errs.push(forbidden(path.child('accessModes'), 'may not use ReadWriteOncePod with other access modes'));
  const sp = path.child('resources').key('storage');
  const raw = spec.resources?.requests?.storage;
  if (raw == null) errs.push(required(sp, ''));
  else {
    const q = readQuantity(raw, sp, errs);
    if (q) {
      if (q.sign() <= 0) errs.push(invalid(sp, q.toString(), IS_NOT_POSITIVE));
      else errs.push(...validateResourceQuantityValue('storage', q, sp));
    }
  }
  if (spec.storageClassName) errs.push(...msgs(path.child('storageClassName'), spec.storageClassName, nameIsDNSSubdomain(spec.storageClassName, false)));
  if (spec.volumeMode != null && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported(path.child('volumeMode'), spec.volumeMode, VOLUME_MODES));
  for (const k of ['dataSource', 'dataSourceRef'] as const) {
    const ds = spec[k];
    if (!ds) continue;
    const dp = path.child(k);
    if (!ds.name) errs.push(required(dp.child('name'), ''));
    if (!ds.kind) errs.push(required(dp.child('kind'), ''));
    if (!ds.apiGroup && ds.kind && ds.kind !== 'PersistentVolumeClaim') errs.push(notSupported(dp, ds.kind, ['PersistentVolumeClaim']));
  }
  if (spec.dataSource && spec.dataSourceRef) {
    const a = spec.dataSource;
    const b = spec.dataSourceRef;
    if (!b.namespace && (a.apiGroup ?? '') === (b.apiGroup ?? '') && a.kind === b.kind && a.name === b.name) {
      // consistent
    } else if (!b.namespace) {
      errs.push(invalid(path, 'dataSource', 'must match dataSourceRef'));
    }
  }
  return errs;
}
