/**
 * The daemon side of Berth: {@link io.berth.server.UnixHttpServer} (HTTP/1.1 on a unix socket,
 * knowing nothing of containers), a {@link io.berth.server.Router} that maps method and path to
 * handlers, {@link io.berth.server.BerthApi} (Berth's own REST API, a thin adapter over {@code
 * io.berth.engine.Engine}) and {@link io.berth.server.Daemon} ({@code berth serve}: the API plus
 * the work a long-lived engine owes its containers — reaping the shims it spawned, restart
 * policies, health checks). The Docker Engine API is meant to be another set of routes on the same
 * server. This package depends on the engine and never the other way round; the CLI depends on it.
 */
package io.berth.server;
