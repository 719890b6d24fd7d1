package io.berth.image.registry;

/**
 * A manifest or index as the registry sent it, byte for byte: its digest is over exactly these
 * bytes, so they must never be re-serialized.
 *
 * @param bytes the document
 * @param mediaType the Content-Type without parameters (the document's own mediaType field may
 *     disagree or be absent; the caller decides which to trust)
 * @param digest from Docker-Content-Digest, or computed when the registry sent none; checked
 *     against the bytes when the image was asked for by digest
 */
public record ManifestResponse(byte[] bytes, String mediaType, String digest) {
}
