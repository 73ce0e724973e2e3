/** The root CA publisher (upstream rootcacertpublisher): kube-root-ca.crt in every namespace. */
export { RootCAPublisher, newRootCAPublisher, ROOT_CA_PUBLISHER, type RootCAPublisherOptions } from './controller.js';
export { reconcileRootCA, ROOT_CA_CONFIGMAP_NAME, DESCRIPTION_ANNOTATION, DESCRIPTION, type RootCAAction } from './reconcile.js';
