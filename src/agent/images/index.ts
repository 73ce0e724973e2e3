/** The built-in images and image operations on a node's containerd (see README.md). */
export { BUILTIN_IMAGES, CRI_NAMESPACE, DEMO_APP_NAMES, type BuiltinImage } from './builtin.js';
export {
  BuiltinImageError,
  ensureBuiltinImages,
  builtinArchivePaths,
  defaultCacheDir,
  readBuiltinManifests,
  type BuiltinArchives,
  type EnsureBuiltinImagesOptions,
} from './build.js';
export { importBuiltinImages, BUILTIN_ARCHIVE_NAMES, type ImportBuiltinImagesOptions } from './builtin-import.js';
export { CtrError, importImages, listImages, removeImages, normalizeRef, type CtrOptions } from './ctr.js';
export { formatImageTable, parseCtrImageList, type ImageRecord, type CtrImageLine } from './image-table.js';
export {
  buildLayer,
  buildOciArchive,
  writeOciArchive,
  entriesFromDirectory,
  type ImageConfig,
  type ImageSpec,
  type Layer,
  type LayerEntry,
  type BuiltImage,
} from './oci-archive.js';
