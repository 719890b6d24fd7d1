/**
 * Image transports that are files rather than registries: an OCI image layout directory
 * ({@code oci:DIR[:TAG]}), a tar of one ({@code oci-archive:FILE}) and the {@code docker save}
 * format ({@code docker-archive:FILE}), for {@code berth save}, {@code load} and {@code image copy}.
 *
 * <p>Owns only the conversion between those formats and the {@link
 * io.berth.image.store.ContentStore}: every blob read from outside goes through a store writer
 * that verifies its digest and size, and archive entry names are never used as file system
 * paths. Recording image names in the image database is the caller's job, with the {@link
 * io.berth.image.transport.ImageRef}s these classes return. Depends on {@code spec} and {@code
 * store} only.
 */
package io.berth.image.transport;
