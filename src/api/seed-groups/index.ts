/**
 * The seed's own API groups, built in (issue 6 item 5): every kind the seed's manifests use that
 * upstream serves through a CustomResourceDefinition, served here as built-in ResourceDefs so that
 * `kubectl apply -f` of the seed works on a fresh cluster. Order: group by group, preferred version
 * first.
 */
import type { ResourceDef } from '../types.js';
import { resources as argoproj } from '../argoproj/index.js';
import { resources as bitnami } from '../bitnami/index.js';
import { resources as externalSecrets } from '../external-secrets/index.js';
import { resources as istio } from '../istio/index.js';
import { resources as vpa } from '../autoscaling-k8s-io/index.js';

export { crdStrategy, printerColumns, servedAlso, parseColumnPath, evalColumnPath, columnCell, AGE, type PrinterColumn } from './crd-kind.js';
export { seedFieldWarnings, resolveUpstreamField } from './seed-fields.js';

export function seedGroupResources(): ResourceDef[] {
  return [...argoproj, ...bitnami, ...externalSecrets, ...istio, ...vpa];
}
