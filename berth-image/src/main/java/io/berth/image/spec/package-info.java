/**
 * The documents of the OCI image specification and their Docker v2.2 counterparts, as records:
 * digests, descriptors, manifests, indexes (manifest lists), image configs; the media types that
 * name them; choosing a manifest for a platform; chain IDs. Pure data and arithmetic: no I/O
 * besides hashing bytes it is handed, no dependency on the store, the registry client or
 * berth-sys, so every other image package can depend on it.
 */
package io.berth.image.spec;
