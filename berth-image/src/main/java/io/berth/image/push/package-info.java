/**
 * Pushing an image from the content store to a registry: blobs the registry lacks (mounted from
 * another repository of the same registry when possible), then the manifest under the new name.
 */
package io.berth.image.push;
