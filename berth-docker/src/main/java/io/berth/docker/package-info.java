/**
 * Docker's Engine API over Berth's engine, so that the docker CLI, docker compose and Docker's
 * client libraries work against {@code berth serve} (on {@code <run-root>/docker.sock}). The wire
 * formats and field names are Docker's (API v1.24 to v1.47); the code is Berth's own, a thin
 * adapter: every operation is an {@link io.berth.engine.Engine} call, and what Docker knows that
 * the engine does not (StdinOnce, ExposedPorts...) is kept beside it ({@link DockerExtras}).
 *
 * <p>It depends on berth-engine and berth-server (the HTTP server, with connection takeover for
 * attach and exec) and on nothing of berth-cli. Berth's own API ({@code io.berth.server.BerthApi})
 * stays apart from it, as podman keeps its compat handlers apart from its native ones.
 */
package io.berth.docker;
