package io.berth.image.layer;

/**
 * What unpacking a layer found.
 *
 * @param diffId "sha256:&lt;hex&gt;" of the uncompressed tar stream, every byte of it up to the end
 *     of the decompressed data: what an image config lists in {@code rootfs.diff_ids}
 * @param size the length in bytes of that uncompressed stream
 * @param entries the number of archive members applied, whiteout markers included (PAX and GNU
 *     long-name headers are part of the member they describe and are not counted)
 */
public record UnpackResult(String diffId, long size, int entries) {}
