/** Name and label syntax checks live in lib/ (label selectors need them too); re-exported here. */
export * from '../../lib/validation/names.js';
