/** Label selectors (k8s.io/apimachinery/pkg/labels semantics). Pure; no I/O. */
export {
  type Operator,
  type Requirement,
  type Selector,
  type Labels,
  SelectorError,
  everything,
  nothing,
  newRequirement,
  selectorOf,
  selectorFromSet,
  parseSelector,
  matches,
  requirementMatches,
  isEverything,
  requirementToString,
  selectorToString,
  requiresExactMatch,
} from './selector.js';
export {
  type LabelSelector,
  type LabelSelectorRequirement,
  type LabelSelectorValidationOptions,
  selectorFromLabelSelector,
  validateLabelSelector,
} from './label-selector.js';
export { qualifiedNameErrors, labelValueErrors, dns1123SubdomainErrors } from './syntax.js';
