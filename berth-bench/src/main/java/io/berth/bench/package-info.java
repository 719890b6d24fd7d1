/**
 * Benchmarks of the runtime, run by {@code scripts/bench} as root and never by {@code mvn
 * verify}. {@link io.berth.bench.RuntimeBench} times containers through the library in one warm
 * JVM; {@link io.berth.bench.BenchReport} sets those numbers beside hyperfine's numbers for runc,
 * crun and the {@code berth-runtime} command. {@link io.berth.bench.EngineReport} summarises
 * {@code scripts/bench-engine}'s measurements of the berth command beside podman, containerd and
 * docker. Depends on berth-runtime (and Jackson for the JSON);
 * nothing depends on this module.
 */
package io.berth.bench;
