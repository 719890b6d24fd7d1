/**
 * Image metadata and garbage collection: which images exist, their names, and which blobs and
 * snapshots they and the containers on them still need, in one SQLite database (DESIGN.md,
 * decision 4). References are counted by query over foreign-keyed tables, so {@code rmi} and
 * {@code image prune} remove exactly what nothing needs and SQLite refuses to forget anything
 * still referenced.
 *
 * <p>Files and rows change in an order that a crash cannot turn into a dangling reference: an
 * image is recorded after its files exist, and files are deleted after the database has
 * forgotten them ({@link io.berth.image.meta.ImageDatabase#collectGarbage()}, then {@link
 * io.berth.image.meta.ImageGc}). Either crash leaves only orphan files, which a sweep removes once
 * they are older than a grace period that protects pulls still in flight.
 *
 * <p>It uses the content store, the snapshotter, the spec records and the pull result (to record
 * it), never the registry client directly; the engine, not this package, normalizes the names
 * users type.
 */
package io.berth.image.meta;
