/**
 * The syntax checks label selectors need (keys are qualified names, values label values), with
 * upstream's messages: the shared checks of lib/validation/names.ts under the names selectors use.
 */
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../validation/names.js';

export const dns1123SubdomainErrors = isDNS1123Subdomain;
export const qualifiedNameErrors = isQualifiedName;
export const labelValueErrors = isValidLabelValue;
