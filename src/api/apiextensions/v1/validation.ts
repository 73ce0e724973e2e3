/**
 * Validation of CustomResourceDefinitions as apiextensions-apiserver does it (validation.go and
 * the structural schema rules of pkg/apiserver/schema/validation.go), with upstream's field paths
 * and messages. Pure.
 *
 * Not checked: CEL rules (x-kubernetes-validations are accepted and ignored), completeness of
 * properties named only inside anyOf/allOf/oneOf, defaults against value validations (defaults are
 * type-checked only).
 */
import { FieldError, FieldPath, OMIT_VALUE, fieldErrors } from '../../../lib/field-error.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../../../lib/validation/names.js';
import { FIELD_IMMUTABLE } from '../../validation/object-meta.js';
import { checkTypes, typeMismatchFieldError } from '../../schema/engine/index.js';
import { toEngineSchema } from './schema-convert.js';
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
  CustomResourceSubresources,
  JSONSchemaProps,
  V1CustomResourceDefinition,
} from './types.js';
import { isConditionTrue } from './types.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const MAX_SELECTABLE_FIELDS = 8;
const ALLOWED_AT_ROOT_WITH_STATUS = new Set([
  'description', 'type', 'format', 'title', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength',
  'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'required', 'items', 'properties', 'externalDocs', 'example',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
]);
const ALLOWED_AT_ROOT_TEXT =
  '[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]';

type Errs = FieldError[];
const inv = fieldErrors.invalid;
const req = fieldErrors.required;
const forb = fieldErrors.forbidden;

/** ValidateCustomResourceDefinition minus ObjectMeta (the generic pipeline checks that first). */
export function validateCrd(crd: V1CustomResourceDefinition): Errs {
  const errs: Errs = [];
  const spec = crd.spec ?? {};
  const name = crd.metadata?.name ?? '';
  if (name && name !== `${spec.names?.plural ?? ''}.${spec.group ?? ''}`)
    errs.push(inv('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  errs.push(...validateApiApproval(crd));
  errs.push(...validateSpec(crd));
  errs.push(...validateStatus(crd));
  errs.push(...validateStoredVersions(crd.status?.storedVersions ?? [], spec.versions ?? []));
  return errs;
}

/**
 * What ValidateCustomResourceDefinitionUpdate adds to validateCrd (immutable group and plural;
 * scope and kind once Established). The pipeline runs both on updates.
 */
export function validateCrdUpdate(crd: V1CustomResourceDefinition, old: V1CustomResourceDefinition): Errs {
  const errs: Errs = [];
  const spec = crd.spec ?? {};
  const oldSpec = old.spec ?? {};
  if (isConditionTrue(old, 'Established')) {
    if (spec.scope !== oldSpec.scope) errs.push(inv('spec.scope', spec.scope ?? '', FIELD_IMMUTABLE));
    if (spec.names?.kind !== oldSpec.names?.kind) errs.push(inv('spec.names.kind', spec.names?.kind ?? '', FIELD_IMMUTABLE));
  }
  if (spec.group !== oldSpec.group) errs.push(inv('spec.group', spec.group ?? '', FIELD_IMMUTABLE));
  if (spec.names?.plural !== oldSpec.names?.plural) errs.push(inv('spec.names.plural', spec.names?.plural ?? '', FIELD_IMMUTABLE));
  return errs;
}

/** Status writes check only the accepted names (ValidateUpdateCustomResourceDefinitionStatus). */
export function validateStatus(crd: V1CustomResourceDefinition): Errs {
  return validateNames(crd.status?.acceptedNames ?? {}, 'status.acceptedNames');
}

const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

/** Groups under k8s.io and kubernetes.io need the API review annotation (KEP 1111). */
function validateApiApproval(crd: V1CustomResourceDefinition): Errs {
  const g = crd.spec?.group ?? '';
  const protectedGroup = g === 'k8s.io' || g.endsWith('.k8s.io') || g === 'kubernetes.io' || g.endsWith('.kubernetes.io');
  if (!protectedGroup) return [];
  const v = crd.metadata?.annotations?.[APPROVAL_ANNOTATION];
  if (v === undefined)
    return [req(`metadata.annotations[${APPROVAL_ANNOTATION}]`, `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`)];
  return [];
}

function validateStoredVersions(stored: readonly string[], versions: readonly CustomResourceDefinitionVersion[]): Errs {
  const path = 'status.storedVersions';
  if (!stored.length) return [inv(path, [], 'must have at least one stored version')];
  const errs: Errs = [];
  const left = new Map<string, number>();
  stored.forEach((v, i) => left.set(v, i));
  for (const v of versions) {
    const has = left.has(v.name ?? '');
    if (v.storage && !has) errs.push(new FieldError('FieldValueInvalid', path, OMIT_VALUE, `${goVersion(v)}: must have the storage version ${v.name ?? ''}`));
    if (has) left.delete(v.name ?? '');
  }
  for (const [v, i] of left) errs.push(inv(`${path}[${i}]`, v, 'must appear in spec.versions'));
  return errs;
}

function validateSpec(crd: V1CustomResourceDefinition): Errs {
  const spec = crd.spec ?? {};
  const errs: Errs = [];
  const group = spec.group ?? '';
  if (!group) errs.push(req('spec.group'));
  else {
    const e = isDNS1123Subdomain(group);
    if (e.length) errs.push(inv('spec.group', group, e.join(',')));
    else if (group.split('.').length < 2) errs.push(inv('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = spec.scope ?? '';
  if (!scope) errs.push(req('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(fieldErrors.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const versions = spec.versions ?? [];
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const vp = `spec.versions[${i}]`;
    if (v.storage) storage++;
    if (seen.has(v.name ?? '')) unique = false;
    else seen.add(v.name ?? '');
    const ne = isDNS1035Label(v.name ?? '');
    if (ne.length) errs.push(inv(`${vp}.name`, v.name ?? '', ne.join(',')));
    errs.push(...validateVersion(v, vp));
  });
  if (spec.preserveUnknownFields === true)
    errs.push(inv('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  if (!unique) errs.push(new FieldError('FieldValueInvalid', 'spec.versions', OMIT_VALUE, `${goVersions(versions)}: must contain unique version names`));
  if (storage !== 1)
    errs.push(new FieldError('FieldValueInvalid', 'spec.versions', OMIT_VALUE, `${goVersions(versions)}: must have exactly one version marked as storage version`));

  const names = spec.names ?? {};
  if (!names.plural) errs.push(req('spec.names.plural'));
  if (!names.singular) errs.push(req('spec.names.singular'));
  if (!names.kind) errs.push(req('spec.names.kind'));
  if (!names.listKind) errs.push(req('spec.names.listKind'));
  errs.push(...validateNames(names, 'spec.names'));

  const conv = spec.conversion;
  if (conv) {
    const strategy = conv.strategy ?? '';
    if (strategy !== 'None' && strategy !== 'Webhook') errs.push(fieldErrors.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    else if (strategy === 'None' && conv.webhook !== undefined && conv.webhook !== null)
      errs.push(forb('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
    else if (strategy === 'Webhook' && (conv.webhook === undefined || conv.webhook === null))
      errs.push(req('spec.conversion.webhook', 'required when strategy is set to Webhook'));
  }
  return errs;
}

function validateNames(names: CustomResourceDefinitionNames, path: string): Errs {
  const errs: Errs = [];
  const dns = (v: string | undefined, p: string, mixed = false) => {
    if (!v) return;
    const e = isDNS1035Label(mixed ? v.toLowerCase() : v);
    if (e.length) errs.push(inv(p, v, (mixed ? 'may have mixed case, but should otherwise match: ' : '') + e.join(',')));
  };
  dns(names.plural, `${path}.plural`);
  dns(names.singular, `${path}.singular`);
  dns(names.kind, `${path}.kind`, true);
  dns(names.listKind, `${path}.listKind`, true);
  (names.shortNames ?? []).forEach((s, i) => {
    const e = isDNS1035Label(s);
    if (e.length) errs.push(inv(`${path}.shortNames[${i}]`, s, e.join(',')));
  });
  if (names.kind && names.kind === names.listKind) errs.push(inv(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => {
    const e = isDNS1035Label(c);
    if (e.length) errs.push(inv(`${path}.categories[${i}]`, c, e.join(',')));
  });
  return errs;
}

function validateVersion(v: CustomResourceDefinitionVersion, vp: string): Errs {
  const errs: Errs = [];
  if (!v.deprecated && v.deprecationWarning !== undefined && v.deprecationWarning !== null)
    errs.push(inv(`${vp}.deprecationWarning`, v.deprecationWarning, 'can only be set for deprecated versions'));
  else if (typeof v.deprecationWarning === 'string') {
    if (v.deprecationWarning.length > 256) errs.push(inv(`${vp}.deprecationWarning`, v.deprecationWarning, 'must be <= 256 characters long'));
    if (v.deprecationWarning.length === 0) errs.push(inv(`${vp}.deprecationWarning`, v.deprecationWarning, 'must not be an empty string'));
  }
  const schemaPath = `${vp}.schema.openAPIV3Schema`;
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) errs.push(req(schemaPath, 'schemas are required'));
  else errs.push(...validateSchemaRoot(schema, schemaPath, Boolean(v.subresources?.status)));
  errs.push(...validateSubresources(v.subresources, `${vp}.subresources`));
  (v.additionalPrinterColumns ?? []).forEach((c, i) => errs.push(...validateColumn(c, `${vp}.additionalPrinterColumns[${i}]`)));
  errs.push(...validateSelectableFields(v, vp));
  return errs;
}

function validateSubresources(sub: CustomResourceSubresources | undefined, path: string): Errs {
  const errs: Errs = [];
  const scale = sub?.scale;
  if (!scale) return errs;
  const under = (value: string | undefined, field: string, prefixes: string[], msg: string, required: boolean) => {
    const p = `${path}.scale.${field}`;
    if (!value) {
      if (required) errs.push(req(p));
      return;
    }
    const e = validateSimpleJsonPath(value, p);
    if (e.length) errs.push(...e);
    else if (!prefixes.some((x) => value.startsWith(x))) errs.push(inv(p, value, msg));
  };
  under(scale.specReplicasPath, 'specReplicasPath', ['.spec.'], 'should be a json path under .spec', true);
  under(scale.statusReplicasPath, 'statusReplicasPath', ['.status.'], 'should be a json path under .status', true);
  under(scale.labelSelectorPath, 'labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status', false);
  return errs;
}

function validateColumn(c: CustomResourceColumnDefinition, path: string): Errs {
  const errs: Errs = [];
  if (!c.name) errs.push(req(`${path}.name`));
  if (!c.type) errs.push(req(`${path}.type`, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  else if (!PRINTER_COLUMN_TYPES.includes(c.type)) errs.push(inv(`${path}.type`, c.type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  if (c.format && !PRINTER_COLUMN_FORMATS.includes(c.format)) errs.push(inv(`${path}.format`, c.format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
  if (!c.jsonPath) errs.push(req(`${path}.JSONPath`));
  else errs.push(...validateSimpleJsonPath(c.jsonPath, `${path}.JSONPath`));
  return errs;
}

/** Upstream's validateSimpleJSONPath: `.a.b`, nothing fancier. */
export function validateSimpleJsonPath(s: string, path: string): Errs {
  if (s.length === 0) return [inv(path, s, 'must not be empty')];
  if (s[0] !== '.') return [inv(path, s, 'must be a simple json path starting with .')];
  return [];
}

function validateSelectableFields(v: CustomResourceDefinitionVersion, vp: string): Errs {
  const fields = v.selectableFields ?? [];
  const errs: Errs = [];
  const path = `${vp}.selectableFields`;
  if (fields.length > MAX_SELECTABLE_FIELDS) errs.push(fieldErrors.tooMany(path, fields.length, MAX_SELECTABLE_FIELDS));
  const seen = new Set<string>();
  const root = v.schema?.openAPIV3Schema;
  fields.forEach((f, i) => {
    const p = `${path}[${i}].jsonPath`;
    const jp = f.jsonPath ?? '';
    if (!jp) {
      errs.push(req(p));
      return;
    }
    const e = validateSimpleJsonPath(jp, p);
    if (e.length) {
      errs.push(...e);
      return;
    }
    if (seen.has(jp)) errs.push(fieldErrors.duplicate(p, jp));
    seen.add(jp);
    let s: JSONSchemaProps | undefined = root;
    for (const seg of jp.slice(1).split('.')) s = s?.properties?.[seg];
    if (!s) errs.push(inv(p, jp, 'is an invalid path: does not refer to a valid field'));
    else if (s.type !== 'string' && s.type !== 'integer' && s.type !== 'boolean')
      errs.push(inv(p, jp, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
  });
  return errs;
}

// ------------------------------------------------------------------ schemas

function validateSchemaRoot(schema: JSONSchemaProps, path: string, statusEnabled: boolean): Errs {
  const errs: Errs = [];
  if (statusEnabled) {
    for (const key of Object.keys(schema)) {
      const value = (schema as Record<string, unknown>)[key];
      if (value === undefined || value === null || value === false || value === '' || (Array.isArray(value) && !value.length)) continue;
      if (key === 'type') {
        if (schema.type !== 'object') {
          errs.push(inv(`${path}.type`, schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.has(key)) {
        errs.push(new FieldError('FieldValueInvalid', path, OMIT_VALUE, `${JSON.stringify(schema)}: only ${ALLOWED_AT_ROOT_TEXT} fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable) errs.push(forb(`${path}.nullable`, 'nullable cannot be true at the root'));
  errs.push(...validateOpenApiSchema(schema, path, true, false));
  const structural: Errs = [];
  structuralInvariants(schema, 'root', path, structural);
  structural.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  errs.push(...structural);
  if (!errs.length) errs.push(...validateDefaults(schema, path));
  return errs;
}

function key(path: string, k: string): string {
  return FieldPath.root(path).key(k).toString();
}

/** ValidateCustomResourceDefinitionOpenAPISchema + specStandardValidatorV3. */
function validateOpenApiSchema(s: JSONSchemaProps, path: string, isRoot: boolean, insideMeta: boolean): Errs {
  const errs: Errs = [];
  if (typeof s.type === 'string' && s.type && !OPENAPI_V3_TYPES.includes(s.type)) {
    if (s.type === 'null') errs.push(forb(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
    else errs.push(fieldErrors.notSupported(`${path}.type`, s.type, OPENAPI_V3_TYPES));
  }
  if (s.id) errs.push(forb(`${path}.id`, 'id is not supported'));
  if (s.additionalItems !== undefined) errs.push(forb(`${path}.additionalItems`, 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length) errs.push(forb(`${path}.patternProperties`, 'patternProperties is not supported'));
  if (s.definitions && Object.keys(s.definitions).length) errs.push(forb(`${path}.definitions`, 'definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(forb(`${path}.dependencies`, 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(forb(`${path}.$ref`, '$ref is not supported'));
  if (Array.isArray(s.items)) errs.push(forb(`${path}.items`, 'items must be a schema object and not an array'));
  if (insideMeta && s['x-kubernetes-embedded-resource']) errs.push(forb(`${path}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta'));
  if (s.uniqueItems === true) errs.push(forb(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  const ap = s.additionalProperties;
  if (ap !== undefined && ap !== null) {
    if (s.properties && Object.keys(s.properties).length && (ap === false || typeof ap === 'object'))
      errs.push(forb(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    if (typeof ap === 'object') errs.push(...validateOpenApiSchema(ap, `${path}.additionalProperties`, false, insideMeta));
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const meta = (isRoot || Boolean(s['x-kubernetes-embedded-resource'])) && (k === 'metadata' || k === 'kind' || k === 'apiVersion');
    errs.push(...validateOpenApiSchema(p ?? {}, key(`${path}.properties`, k), false, insideMeta || meta));
  }
  if (s.not) errs.push(...validateOpenApiSchema(s.not, `${path}.not`, false, insideMeta));
  for (const [name, list] of [['allOf', s.allOf], ['oneOf', s.oneOf], ['anyOf', s.anyOf]] as const)
    (list ?? []).forEach((x, i) => errs.push(...validateOpenApiSchema(x, `${path}.${name}[${i}]`, false, insideMeta)));
  if (s.items && !Array.isArray(s.items)) errs.push(...validateOpenApiSchema(s.items, `${path}.items`, false, insideMeta));
  if (s['x-kubernetes-preserve-unknown-fields'] === false)
    errs.push(inv(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  const mt = s['x-kubernetes-map-type'];
  if (mt !== undefined) {
    if (s.type !== 'object') {
      if (!s.type) errs.push(req(`${path}.type`, 'must be object if x-kubernetes-map-type is specified'));
      else errs.push(inv(`${path}.type`, s.type, 'must be object if x-kubernetes-map-type is specified'));
    }
    if (mt !== 'atomic' && mt !== 'granular') errs.push(fieldErrors.notSupported(`${path}.x-kubernetes-map-type`, mt, ['atomic', 'granular']));
  }
  const lt = s['x-kubernetes-list-type'];
  if (lt !== undefined) {
    if (s.type !== 'array') {
      if (!s.type) errs.push(req(`${path}.type`, 'must be array if x-kubernetes-list-type is specified'));
      else errs.push(inv(`${path}.type`, s.type, 'must be array if x-kubernetes-list-type is specified'));
    }
    if (lt !== 'atomic' && lt !== 'set' && lt !== 'map') errs.push(fieldErrors.notSupported(`${path}.x-kubernetes-list-type`, lt, ['atomic', 'set', 'map']));
  }
  const keys = s['x-kubernetes-list-map-keys'];
  if (keys && keys.length && lt !== 'map') errs.push(req(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  if (lt === 'map' && !(keys && keys.length)) errs.push(req(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  return errs;
}

type Level = 'root' | 'item' | 'field';

/** validateStructuralInvariants: the structural schema rules. */
function structuralInvariants(s: JSONSchemaProps, lvl: Level, path: string, errs: Errs): void {
  const items = Array.isArray(s.items) ? undefined : s.items;
  if (s.type === 'array' && !items) errs.push(req(`${path}.items`, 'must be specified'));
  if (items) structuralInvariants(items, 'item', `${path}.items`, errs);
  for (const [k, p] of Object.entries(s.properties ?? {})) structuralInvariants(p ?? {}, 'field', key(`${path}.properties`, k), errs);
  const ap = s.additionalProperties;
  if (ap !== undefined && ap !== null && ap !== false) {
    if (lvl === 'root') errs.push(forb(`${path}.additionalProperties`, 'must not be used at the root'));
    if (typeof ap === 'object') structuralInvariants(ap, 'field', `${path}.additionalProperties`, errs);
  }
  const ios = Boolean(s['x-kubernetes-int-or-string']);
  const pres = Boolean(s['x-kubernetes-preserve-unknown-fields']);
  const emb = Boolean(s['x-kubernetes-embedded-resource']);
  if (ios && pres) errs.push(inv(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (ios && emb) errs.push(inv(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOf = Boolean(s.allOf?.length && isIntOrStringAnyOf(s.allOf[0]!.anyOf));
  valueValidation(s, skipAnyOf, skipFirstAllOf, lvl, path, errs);
  const checkMeta = lvl === 'root' || emb;
  if (emb && s.type !== 'object') {
    if (!s.type) errs.push(req(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(inv(`${path}.type`, s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !ios && !pres) {
    errs.push(req(`${path}.type`, lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields'));
  }
  if (emb && ap !== undefined) errs.push(forb(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && s.type && s.type !== 'object') errs.push(inv(`${path}.type`, s.type, 'must be object at the root'));
  const props = s.properties ?? {};
  if (checkMeta && props['kind'] && props['kind'].type !== 'string') errs.push(inv(`${key(`${path}.properties`, 'kind')}.type`, props['kind'].type ?? '', 'must be string'));
  if (checkMeta && props['apiVersion'] && props['apiVersion'].type !== 'string')
    errs.push(inv(`${key(`${path}.properties`, 'apiVersion')}.type`, props['apiVersion'].type ?? '', 'must be string'));
  if (checkMeta && props['metadata'] && props['metadata'].type !== 'object')
    errs.push(inv(`${key(`${path}.properties`, 'metadata')}.type`, props['metadata'].type ?? '', 'must be object'));
  const meta = props['metadata'];
  if (meta && lvl === 'root') {
    const { type: _t, default: _d, properties, ...rest } = meta;
    const names = Object.keys(properties ?? {});
    const onlyNames = names.every((n) => n === 'name' || n === 'generateName');
    const restKeys = Object.keys(rest).filter((k) => (rest as Record<string, unknown>)[k] !== undefined);
    if (!onlyNames || restKeys.length)
      errs.push(forb(key(`${path}.properties`, 'metadata'), 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  if (emb && !pres && !Object.keys(props).length)
    errs.push(req(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
}

function isIntOrStringAnyOf(list: JSONSchemaProps[] | undefined): boolean {
  if (!list || list.length !== 2) return false;
  const only = (x: JSONSchemaProps, t: string) => x.type === t && Object.keys(x).length === 1;
  return only(list[0]!, 'integer') && only(list[1]!, 'string');
}

function valueValidation(s: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOf: boolean, lvl: Level, path: string, errs: Errs): void {
  if (!skipAnyOf) (s.anyOf ?? []).forEach((x, i) => nestedValueValidation(x, false, lvl, `${path}.anyOf[${i}]`, errs));
  (s.allOf ?? []).forEach((x, i) => nestedValueValidation(x, skipFirstAllOf && i === 0, lvl, `${path}.allOf[${i}]`, errs));
  (s.oneOf ?? []).forEach((x, i) => nestedValueValidation(x, false, lvl, `${path}.oneOf[${i}]`, errs));
  if (s.not) nestedValueValidation(s.not, false, lvl, `${path}.not`, errs);
  if (s.pattern) {
    try {
      new RegExp(s.pattern, 'u');
    } catch (e) {
      errs.push(inv(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`));
    }
  }
}

function nestedValueValidation(v: JSONSchemaProps, skipAnyOf: boolean, lvl: Level, path: string, errs: Errs): void {
  valueValidation(v, skipAnyOf, false, lvl, path, errs);
  if (v.items && !Array.isArray(v.items)) nestedValueValidation(v.items, false, lvl, `${path}.items`, errs);
  for (const [k, p] of Object.entries(v.properties ?? {})) nestedValueValidation(p ?? {}, false, 'field', key(`${path}.properties`, k), errs);
  if (v.type) errs.push(forb(`${path}.type`, 'must be empty to be structural'));
  if (v.additionalProperties !== undefined) errs.push(forb(`${path}.additionalProperties`, 'must be undefined to be structural'));
  if (v.default !== undefined) errs.push(forb(`${path}.default`, 'must be undefined to be structural'));
  if (v.title) errs.push(forb(`${path}.title`, 'must be empty to be structural'));
  if (v.description) errs.push(forb(`${path}.description`, 'must be empty to be structural'));
  if (v.nullable) errs.push(forb(`${path}.nullable`, 'must be false to be structural'));
  if (v['x-kubernetes-preserve-unknown-fields']) errs.push(forb(`${path}.x-kubernetes-preserve-unknown-fields`, 'must be false to be structural'));
  if (v['x-kubernetes-embedded-resource']) errs.push(forb(`${path}.x-kubernetes-embedded-resource`, 'must be false to be structural'));
  if (v['x-kubernetes-int-or-string']) errs.push(forb(`${path}.x-kubernetes-int-or-string`, 'must be false to be structural'));
  if (v['x-kubernetes-list-map-keys']?.length) errs.push(forb(`${path}.x-kubernetes-list-map-keys`, 'must be empty to be structural'));
  if (v['x-kubernetes-list-type'] !== undefined) errs.push(forb(`${path}.x-kubernetes-list-type`, 'must be undefined to be structural'));
  if (v.properties?.['metadata']) errs.push(forb(key(`${path}.properties`, 'metadata'), 'must not be specified in a nested context'));
}

/** Defaults must fit their schema's type (structuraldefaulting.ValidateDefaults, type part). */
function validateDefaults(root: JSONSchemaProps, path: string): Errs {
  const errs: Errs = [];
  const walk = (s: JSONSchemaProps, p: string, isRoot: boolean) => {
    if (s.default !== undefined && !isRoot) {
      const { default: _d, ...rest } = s;
      for (const m of checkTypes(s.default, toEngineSchema(rest), `${p}.default`, { style: 'openapi' })) errs.push(typeMismatchFieldError(m));
    }
    for (const [k, c] of Object.entries(s.properties ?? {})) {
      if (isRoot && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) {
        if (c?.default !== undefined) errs.push(forb(`${key(`${p}.properties`, k)}.default`, `must not be set in top-level ${k}`));
        continue;
      }
      walk(c ?? {}, key(`${p}.properties`, k), false);
    }
    if (s.items && !Array.isArray(s.items)) walk(s.items, `${p}.items`, false);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${p}.additionalProperties`, false);
  };
  walk(root, path, true);
  return errs;
}

// ------------------------------------------------------------------ Go %#v of versions (bad values)

function goString(s: string | undefined): string {
  return JSON.stringify(s ?? '');
}

function goVersion(v: CustomResourceDefinitionVersion): string {
  const ptr = (set: unknown, type: string) => (set === undefined || set === null ? `(*${type})(nil)` : `(*${type})(0xc000a1c000)`);
  const cols = v.additionalPrinterColumns?.length ? `[]apiextensions.CustomResourceColumnDefinition{...}` : '[]apiextensions.CustomResourceColumnDefinition(nil)';
  const sel = v.selectableFields?.length ? `[]apiextensions.SelectableField{...}` : '[]apiextensions.SelectableField(nil)';
  return (
    `apiextensions.CustomResourceDefinitionVersion{Name:${goString(v.name)}, Served:${Boolean(v.served)}, Storage:${Boolean(v.storage)}, ` +
    `Deprecated:${Boolean(v.deprecated)}, DeprecationWarning:${ptr(v.deprecationWarning, 'string')}, Schema:${ptr(v.schema, 'apiextensions.CustomResourceValidation')}, ` +
    `Subresources:${ptr(v.subresources, 'apiextensions.CustomResourceSubresources')}, AdditionalPrinterColumns:${cols}, SelectableFields:${sel}}`
  );
}

function goVersions(vs: readonly CustomResourceDefinitionVersion[]): string {
  if (!vs.length) return '[]apiextensions.CustomResourceDefinitionVersion(nil)';
  return `[]apiextensions.CustomResourceDefinitionVersion{${vs.map(goVersion).join(', ')}}`;
}
