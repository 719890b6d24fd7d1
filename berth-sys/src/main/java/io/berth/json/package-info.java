/**
 * A small JSON codec for Berth's records, cheap on a cold JVM: what a one-shot command reads and
 * writes on its way to a running container (image configs, container records, OCI configs and
 * states) goes through {@link io.berth.json.Json} rather than Jackson's data binding.
 */
package io.berth.json;
