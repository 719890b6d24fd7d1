/**
 * Pulling an image from a registry into the content store: the manifest (through an index to the
 * platform's manifest), the config and the layers, fetched in parallel, each verified while it
 * is written and resumed where an earlier, interrupted pull stopped. It knows the registry
 * client, the store and the documents; unpacking into snapshots is not its business.
 */
package io.berth.image.pull;
