/** Field selectors (k8s.io/apimachinery/pkg/fields semantics). Pure; no I/O. */
export {
  type FieldOperator,
  type FieldTerm,
  type FieldSelector,
  FieldSelectorError,
  everythingFields,
  escapeValue,
  unescapeValue,
  parseFieldSelector,
  fieldSelectorFromSet,
  fieldsMatch,
  isEverythingFields,
  fieldSelectorToString,
  fieldsUsed,
  exactMatch,
  transformFieldSelector,
  unsupportedFieldLabel,
} from './selector.js';
