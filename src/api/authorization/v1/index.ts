/**
 * authorization.k8s.io/v1: SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview,
 * LocalSubjectAccessReview. Create-only, never stored: the apiserver answers each with its status
 * (src/apiserver/authz/reviews.ts). Schemas, typed views and validation
 * (upstream pkg/apis/authorization/validation). Pure.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { s } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';

export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
const P = 'io.k8s.api.authorization.v1';
const gvk = (kind: string) => ({ group: AUTHORIZATION_GROUP, version: 'v1', kind });

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}
export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}
export interface SubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes | null;
  nonResourceAttributes?: NonResourceAttributes | null;
  user?: string;
  groups?: string[] | null;
  extra?: Record<string, string[]> | null;
  uid?: string;
}
export interface SubjectAccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}
export interface V1SubjectAccessReview extends KubeObject {
  spec?: SubjectAccessReviewSpec;
  status?: SubjectAccessReviewStatus;
}
export interface V1SelfSubjectRulesReview extends KubeObject {
  spec?: { namespace?: string };
  status?: {
    resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
    nonResourceRules: { verbs: string[]; nonResourceURLs?: string[] }[];
    incomplete: boolean;
    evaluationError?: string;
  };
}

const ResourceAttributesSchema = s.object(
  {
    namespace: s.string(),
    verb: s.string(),
    group: s.string(),
    version: s.string(),
    resource: s.string(),
    subresource: s.string(),
    name: s.string(),
    fieldSelector: s.anyValue(),
    labelSelector: s.anyValue(),
  },
  { id: `${P}.ResourceAttributes` },
);
const NonResourceAttributesSchema = s.object(
  {
    path: s.string(),
    verb: s.string(),
  },
  { id: `${P}.NonResourceAttributes` },
);
const SubjectAccessReviewStatusSchema = s.object(
  {
    allowed: s.bool(),
    denied: s.bool(),
    reason: s.string(),
    evaluationError: s.string(),
  },
  { id: `${P}.SubjectAccessReviewStatus`, required: ['allowed'] },
);
const SelfSubjectAccessReviewSpecSchema = s.object(
  { resourceAttributes: ResourceAttributesSchema, nonResourceAttributes: NonResourceAttributesSchema },
  { id: `${P}.SelfSubjectAccessReviewSpec` },
);
const SubjectAccessReviewSpecSchema = s.object(
  {
    resourceAttributes: ResourceAttributesSchema,
    nonResourceAttributes: NonResourceAttributesSchema,
    user: s.string(),
    groups: s.array(s.string(), { listType: 'atomic' }),
    extra: s.map(s.array(s.string())),
    uid: s.string(),
  },
  { id: `${P}.SubjectAccessReviewSpec` },
);
const ResourceRuleSchema = s.object(
  {
    verbs: s.array(s.string(), { listType: 'atomic' }),
    apiGroups: s.array(s.string(), { listType: 'atomic' }),
    resources: s.array(s.string(), { listType: 'atomic' }),
    resourceNames: s.array(s.string(), { listType: 'atomic' }),
  },
  { id: `${P}.ResourceRule`, required: ['verbs'] },
);
const NonResourceRuleSchema = s.object(
  { verbs: s.array(s.string(), { listType: 'atomic' }), nonResourceURLs: s.array(s.string(), { listType: 'atomic' }) },
  { id: `${P}.NonResourceRule`, required: ['verbs'] },
);

export const SelfSubjectAccessReviewSchema = kindSchema(`${P}.SelfSubjectAccessReview`, gvk('SelfSubjectAccessReview'), { spec: SelfSubjectAccessReviewSpecSchema, status: SubjectAccessReviewStatusSchema }, {
  required: ['spec'],
});
export const SubjectAccessReviewSchema = kindSchema(`${P}.SubjectAccessReview`, gvk('SubjectAccessReview'), { spec: SubjectAccessReviewSpecSchema, status: SubjectAccessReviewStatusSchema }, {
  required: ['spec'],
});
export const LocalSubjectAccessReviewSchema = kindSchema(`${P}.LocalSubjectAccessReview`, gvk('LocalSubjectAccessReview'), { spec: SubjectAccessReviewSpecSchema, status: SubjectAccessReviewStatusSchema }, {
  required: ['spec'],
});
export const SelfSubjectRulesReviewSchema = kindSchema(
  `${P}.SelfSubjectRulesReview`,
  gvk('SelfSubjectRulesReview'),
  {
    spec: s.object({ namespace: s.string() }, { id: `${P}.SelfSubjectRulesReviewSpec` }),
    status: s.object(
      {
        resourceRules: s.array(ResourceRuleSchema, { listType: 'atomic' }),
        nonResourceRules: s.array(NonResourceRuleSchema, { listType: 'atomic' }),
        incomplete: s.bool(),
        evaluationError: s.string(),
      },
      { id: `${P}.SubjectRulesReviewStatus`, required: ['resourceRules', 'nonResourceRules', 'incomplete'] },
    ),
  },
  { required: ['spec'] },
);

/** ValidateSelfSubjectAccessReviewSpec / ValidateSubjectAccessReviewSpec. */
export function validateAccessReviewSpec(spec: SubjectAccessReviewSpec | undefined, self: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const sp = spec ?? {};
  if (sp.resourceAttributes && sp.nonResourceAttributes) errs.push(fieldErrors.invalid('spec.nonResourceAttributes', sp.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  if (!sp.resourceAttributes && !sp.nonResourceAttributes) errs.push(fieldErrors.invalid('spec.resourceAttributes', sp.nonResourceAttributes ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  if (!self && !sp.user && !(sp.groups ?? []).length) errs.push(fieldErrors.invalid('spec.user', sp.user ?? '', 'at least one of user or group must be specified'));
  return errs;
}

const review = (kind: string, plural: string, namespaced: boolean, schema: ResourceDef['schema']): ResourceDef => ({
  group: AUTHORIZATION_GROUP,
  version: 'v1',
  kind,
  plural,
  singular: plural.replace(/s$/, ''),
  namespaced,
  verbs: ['create'],
  schema,
  generation: false,
});

export const localSubjectAccessReviewResource = review('LocalSubjectAccessReview', 'localsubjectaccessreviews', true, LocalSubjectAccessReviewSchema);
export const selfSubjectAccessReviewResource = review('SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, SelfSubjectAccessReviewSchema);
export const selfSubjectRulesReviewResource = review('SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, SelfSubjectRulesReviewSchema);
export const subjectAccessReviewResource = review('SubjectAccessReview', 'subjectaccessreviews', false, SubjectAccessReviewSchema);

export const resources: ResourceDef[] = [localSubjectAccessReviewResource, selfSubjectAccessReviewResource, selfSubjectRulesReviewResource, subjectAccessReviewResource];
