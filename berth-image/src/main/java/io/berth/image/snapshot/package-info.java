/**
 * Overlay snapshots: each image layer unpacked once per chain ID into a directory that serves as
 * an overlayfs lower layer, and a container's root filesystem as an overlay of those plus a
 * writable upper directory of its own.
 */
package io.berth.image.snapshot;
