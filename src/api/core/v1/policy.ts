/** The core/v1 ResourceQuota and LimitRange resources. */
import { s } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import type { Quantity } from '../../../lib/quantity/index.js';
import { ResourceList } from './common-schema.js';
import type { ResourceListView } from './pod-types.js';
import { canonicalizeResourceList } from './quantities.js';
import { parseResourceList, readQuantity, validateResourceName, validateResourceQuantityValue } from './resources-validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './table-util.js';
import { type Errs, FieldPath, arr, duplicate, forbidden, invalid, notSupported, required } from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

const ScopedResourceSelectorRequirement = s.object(
  {
    scopeName: s.string(),
    operator: s.string(),
    values: s.array(s.string(), { listType: 'atomic' }),
  },
  { id: `${CORE}.ScopedResourceSelectorRequirement`, required: ['scopeName', 'operator'] },
);

export const ResourceQuotaSchema = kindSchema(
  `${CORE}.ResourceQuota`,
  { group: '', version: 'v1', kind: 'ResourceQuota' },
  {
    spec: s.object(
      {
        hard: { ...ResourceList, description: 'The set of desired hard limits for each named resource.' },
        scopes: s.array(s.string(), { listType: 'atomic' }),
        scopeSelector: s.object(
          { matchExpressions: s.array(ScopedResourceSelectorRequirement, { listType: 'atomic' }) },
          { id: `${CORE}.ScopeSelector`, 'x-kubernetes-map-type': 'atomic' },
        ),
      },
      { id: `${CORE}.ResourceQuotaSpec` },
    ),
    status: s.object(
      {
        hard: { ...ResourceList },
        used: { ...ResourceList },
      },
      { id: `${CORE}.ResourceQuotaStatus` },
    ),
  },
  { description: 'ResourceQuota sets aggregate quota restrictions enforced per namespace.' },
);

interface V1ResourceQuota extends KubeObject {
  spec?: { hard?: ResourceListView; scopes?: string[]; scopeSelector?: { matchExpressions?: { scopeName?: string; operator?: string; values?: string[] }[] } };
  status?: { hard?: ResourceListView; used?: ResourceListView };
}
const asQuota = (o: KubeObject) => o as V1ResourceQuota;

const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];

function validateResourceList(list: ResourceListView | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    const kp = path.key(k);
    errs.push(...validateResourceName(k, kp));
    const q = readQuantity(v, kp, errs);
    if (q) errs.push(...validateResourceQuantityValue(k, q, kp));
  }
  return errs;
}

/** ValidateResourceQuota (minus generic metadata). */
export function validateResourceQuota(q: V1ResourceQuota): Errs {
  const errs: Errs = [];
  const sp = FieldPath.root('spec');
  errs.push(...validateResourceList(q.spec?.hard, sp.child('hard')));
  arr(q.spec?.scopes).forEach((sc, i) => {
    if (!QUOTA_SCOPES.includes(sc)) errs.push(invalid(sp.child('scopes').index(i), sc, 'unsupported scope'));
  });
  arr(q.spec?.scopeSelector?.matchExpressions).forEach((r, i) => {
    const rp = sp.child('scopeSelector').child('matchExpressions').index(i);
    if (!QUOTA_SCOPES.includes(r.scopeName ?? '')) errs.push(invalid(rp.child('scopeName'), r.scopeName ?? '', 'unsupported scope'));
    const values = arr(r.values);
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(rp.child('values'), 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length !== 0) errs.push(invalid(rp.child('values'), values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
        break;
      default:
        errs.push(invalid(rp.child('operator'), r.operator ?? '', 'not a valid selector operator'));
    }
  });
  errs.push(...validateResourceList(q.status?.hard, FieldPath.root('status').child('hard')));
  errs.push(...validateResourceList(q.status?.used, FieldPath.root('status').child('used')));
  return errs;
}

/** printResourceQuota: `resource: used/hard` pairs, split into requests and `limits.*`. */
export function quotaCells(q: V1ResourceQuota): [string, string] {
  const hard = parseResourceList(q.status?.hard);
  const used = parseResourceList(q.status?.used);
  const req: string[] = [];
  const lim: string[] = [];
  for (const name of [...hard.keys()].sort()) {
    const line = `${name}: ${used.get(name)?.toString() ?? '0'}/${hard.get(name)!.toString()}`;
    (name.split('.').length > 1 && name.split('.')[0] === 'limits' ? lim : req).push(line);
  }
  return [req.join(', '), lim.join(', ')];
}

export const resourceQuotaResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  schema: ResourceQuotaSchema,
  subresources: { status: true },
  generation: false,
  strategy: {
    defaults: (o) => {
      const q = asQuota(o);
      canonicalizeResourceList(q.spec?.hard);
      canonicalizeResourceList(q.status?.hard);
      canonicalizeResourceList(q.status?.used);
    },
    prepareForCreate: (o) => {
      asQuota(o).status = {};
    },
    prepareForUpdate: (o, old, ctx) => {
      if (ctx.subresource === '') asQuota(o).status = asQuota(old).status;
    },
    validate: (o) => validateResourceQuota(asQuota(o)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      col('Request', 'string', 'The default and limit requests per resource the range sets.'),
      col('Limit', 'string', 'The default and maximum limits per resource the range sets.'),
    ],
    cells: (o, now) => {
      const [req, lim] = quotaCells(asQuota(o));
      return [o.metadata.name ?? '', age(o, now), req, lim];
    },
  },
};

// ------------------------------------------------------------------ LimitRange

const LimitRangeItem = s.object(
  {
    type: s.string({ description: 'Type of resource that this limit applies to: Pod, Container, PersistentVolumeClaim.' }),
    max: { ...ResourceList },
    min: { ...ResourceList },
    default: { ...ResourceList },
    defaultRequest: { ...ResourceList },
    maxLimitRequestRatio: { ...ResourceList, description: 'The named resource must have a request and limit that are both non-zero where limit divided by request is less than or equal to the enumerated value.' },
  },
  { id: `${CORE}.LimitRangeItem`, required: ['type'] },
);

export const LimitRangeSchema = kindSchema(
  `${CORE}.LimitRange`,
  { group: '', version: 'v1', kind: 'LimitRange' },
  {
    spec: s.object(
      { limits: s.array(LimitRangeItem, { listType: 'atomic' }) },
      { id: `${CORE}.LimitRangeSpec`, required: ['limits'] },
    ),
  },
  {},
);

interface V1LimitRangeItem {
  type?: string;
  max?: ResourceListView;
  min?: ResourceListView;
  default?: ResourceListView;
  defaultRequest?: ResourceListView;
  maxLimitRequestRatio?: ResourceListView;
}
interface V1LimitRange extends KubeObject { spec?: { limits?: V1LimitRangeItem[] } }
const asLR = (o: KubeObject) => o as V1LimitRange;

/** SetDefaults_LimitRangeItem: for Container limits, default ← max, defaultRequest ← default, then min. */
export function defaultLimitRangeItem(item: V1LimitRangeItem): void {
  for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) canonicalizeResourceList(item[k]);
  if (item.type !== 'Container') return;
  const def = { ...(item.default ?? {}) };
  const defReq = { ...(item.defaultRequest ?? {}) };
  for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in defReq)) defReq[k] = v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(defReq).length) item.defaultRequest = defReq;
}

/** ValidateLimitRange (minus generic metadata). */
export function validateLimitRange(lr: V1LimitRange): Errs {
  const errs: Errs = [];
  const types = new Set<string>();
  arr(lr.spec?.limits).forEach((item, i) => {
    const ip = FieldPath.root('spec').child('limits').index(i);
    const type = item.type ?? '';
    if (types.has(type)) errs.push(duplicate(ip.child('type'), type));
    types.add(type);
    if (!['Pod', 'Container', 'PersistentVolumeClaim'].includes(type) && !type.includes('/'))
      errs.push(notSupported(ip.child('type'), type, ['Container', 'PersistentVolumeClaim', 'Pod']));
    const lists: Record<string, Map<string, Quantity>> = {};
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
      const m = new Map<string, Quantity>();
      for (const [name, v] of Object.entries(item[k] ?? {})) {
        const kp = ip.child(k).key(name);
        errs.push(...validateResourceName(name, kp));
        const q = readQuantity(v, kp, errs);
        if (q) {
          errs.push(...validateResourceQuantityValue(name, q, kp));
          m.set(name, q);
        }
      }
      lists[k] = m;
    }
    if (type === 'Pod') {
      if (lists.default!.size) errs.push(forbidden(ip.child('default'), "may not be specified when `type` is 'Pod'"));
      if (lists.defaultRequest!.size) errs.push(forbidden(ip.child('defaultRequest'), "may not be specified when `type` is 'Pod'"));
    }
    const names = new Set([...Object.values(lists).flatMap((m) => [...m.keys()])]);
    for (const name of [...names].sort()) {
      const mn = lists.min!.get(name);
      const mx = lists.max!.get(name);
      const df = lists.default!.get(name);
      const dr = lists.defaultRequest!.get(name);
      const ratio = lists.maxLimitRequestRatio!.get(name);
      if (mn && mx && mn.cmp(mx) > 0) errs.push(invalid(ip.child('min').key(name), mn.toString(), `min value ${mn} is greater than max value ${mx}`));
      if (dr && mn && mn.cmp(dr) > 0) errs.push(invalid(ip.child('defaultRequest').key(name), dr.toString(), `min value ${mn} is greater than default request value ${dr}`));
      if (dr && mx && dr.cmp(mx) > 0) errs.push(invalid(ip.child('defaultRequest').key(name), dr.toString(), `default request value ${dr} is greater than max value ${mx}`));
      if (dr && df && dr.cmp(df) > 0) errs.push(invalid(ip.child('defaultRequest').key(name), dr.toString(), `default request value ${dr} is greater than default limit value ${df}`));
      if (df && mn && mn.cmp(df) > 0) errs.push(invalid(ip.child('default').key(name), df.toString(), `min value ${mn} is greater than default value ${df}`));
      if (df && mx && df.cmp(mx) > 0) errs.push(invalid(ip.child('default').key(name), df.toString(), `default value ${df} is greater than max value ${mx}`));
      if (ratio && ratio.toNumber() < 1) errs.push(invalid(ip.child('maxLimitRequestRatio').key(name), ratio.toString(), `ratio ${ratio} is less than 1`));
      if (ratio && mn && mx && !mn.isZero()) {
        const maxRatio = mx.toNumber() / mn.toNumber();
        if (ratio.toNumber() > maxRatio)
          errs.push(invalid(ip.child('maxLimitRequestRatio').key(name), ratio.toString(), `ratio ${ratio} is greater than max/min = ${maxRatio.toFixed(6)}`));
      }
    }
  });
  return errs;
}

export const limitRangeResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  schema: LimitRangeSchema,
  generation: false,
  strategy: {
    defaults: (o) => arr(asLR(o).spec?.limits).forEach(defaultLimitRangeItem),
    validate: (o) => validateLimitRange(asLR(o)),
  },
  table: {
    columns: [NAME_COLUMN, { name: 'Created At', type: 'date', description: 'When the object was created (metadata.creationTimestamp).' }],
    cells: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
  },
};
