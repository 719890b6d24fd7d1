/**
 * The content store: blobs addressed by digest under {@code blobs/<alg>/<hex>} (the OCI
 * image-layout's layout, so the directory also reads as an OCI layout's blobs), written through
 * {@code ingest/} where bytes are hashed as they arrive, fsync'ed, verified for size and digest
 * and only then renamed into place. Nothing unverified is ever visible under a digest; a write
 * stopped at any point leaves at most a partial file in {@code ingest/}, which the next writer of
 * the same ref resumes. It owns no metadata about images (names, tags, references): that lives
 * in the engine's database. Depends on the spec package only.
 */
package io.berth.image.store;
