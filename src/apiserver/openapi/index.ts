export { OpenApiV3Service, type OpenApiDocument, type OpenApiIndex, type OpenApiV3Options } from './service.js';
export { buildGroupVersionDocument, gvPath, operationPrefix, type DocumentInfo } from './document.js';
export { SchemaEmitter, componentIdFor } from './schema-emitter.js';
export { swaggerFromV3, encodeSwaggerProto, OPENAPI_V2_PROTOBUF_ACCEPT, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './v2.js';
export type { OpenApiV2Document } from './service.js';
export { aliasOf, parseDeclarationFile, upstreamDocsBuilder, upstreamDocsFrom, NO_UPSTREAM_DOCS, type UpstreamDocs, type UpstreamType, type UpstreamField } from './upstream-docs.js';
export { loadUpstreamDocs, loadUpstreamDocsAsync, UPSTREAM_DOC_PACKAGES } from './upstream-docs-loader.js';
