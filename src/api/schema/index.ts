export type { Schema, SchemaType } from './schema.js';
export * as s from './builders.js';
