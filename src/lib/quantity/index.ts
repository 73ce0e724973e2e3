/** resource.Quantity (k8s.io/apimachinery/pkg/api/resource semantics). Pure; no I/O. */
export {
  type QuantityFormat,
  Quantity,
  QuantityError,
  QUANTITY_REGEX,
  ERR_FORMAT_WRONG,
  ERR_NUMERIC,
  ERR_SUFFIX,
  MAX_EXPONENT,
  parseQuantity,
  quantityFromJSON,
  canonicalQuantity,
  mustParseQuantity,
} from './quantity.js';
