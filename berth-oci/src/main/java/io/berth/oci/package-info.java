/**
 * The OCI runtime specification's documents as Java records: the container configuration
 * ({@link io.berth.oci.Spec}), its Linux section, the container {@link io.berth.oci.State}, plus
 * JSON mapping, validation and the default configuration. This module owns data and its rules
 * only: it performs no system calls and depends on nothing of Berth.
 */
package io.berth.oci;
