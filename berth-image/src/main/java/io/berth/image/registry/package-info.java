/**
 * A client of the OCI distribution specification: the {@code /v2/} check, manifests (get, head,
 * put), blobs (get with redirects and resumable ranges, head, monolithic and chunked upload,
 * cross-repository mount) and tags, with Docker's Bearer token auth and Basic auth. Credentials
 * come from explicit configuration or the usual auth files (podman's auth.json, Docker's
 * config.json), which {@code login}/{@code logout} also maintain.
 *
 * <p>It hands back raw bytes and streams and never interprets a manifest, so it stays independent
 * of the document records in {@code io.berth.image.spec}; checking the digest of a blob while
 * storing it is the store's job. It depends on the JDK's HTTP client and Jackson only.
 *
 * <p>Every failure reaches the caller as one {@link io.berth.image.registry.RegistryException}
 * whose message names the registry, the image or blob, and the cause.
 */
package io.berth.image.registry;
