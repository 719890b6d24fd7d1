/**
 * Images and storage, per the OCI image and distribution specifications: the documents
 * ({@code spec}), a content-addressed store that verifies while it writes ({@code store}), layer
 * unpacking that no layer can escape ({@code layer}), and the registry client ({@code
 * registry}). It depends on berth-sys only; the runtime and the engine depend on it, not the
 * other way round.
 */
package io.berth.image;
