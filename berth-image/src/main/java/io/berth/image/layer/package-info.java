/**
 * Layer unpacking: turns one image layer (tar, tar+gzip or tar+zstd, per the OCI image-spec's
 * layer.md) into a directory that overlayfs can use as a lower layer, and computes the layer's
 * diffId while reading. It owns the tar reading, the whiteout rendering (OCI {@code .wh.} markers
 * become overlayfs whiteout devices and opaque xattrs) and the guarantee that no layer writes
 * outside its directory: names are reduced lexically and refused if they climb out, every parent
 * directory is opened without following symlinks, and every write is relative to that descriptor.
 * A refused or broken layer leaves nothing behind.
 *
 * <p>It knows nothing of registries, manifests or the content store: it takes a stream and a
 * target path. It depends on berth-sys (errno and {@code Libc}), commons-compress is not used
 * for reading (see {@link io.berth.image.layer.TarReader}), zstd-jni decompresses zstd layers.
 * The few directory-relative system calls it needs are bound with FFM in {@code Syscalls}.
 */
package io.berth.image.layer;
