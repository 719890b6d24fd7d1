package io.berth.docker;

import io.berth.engine.Container;
import io.berth.engine.Engine;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import io.berth.server.UnixHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Docker's Engine API on a unix socket ({@code berth serve}'s docker.sock): versioned paths from
 * {@code /v1.24/} to {@code /v1.47/} and unversioned ones, Docker's response headers on every
 * answer, and its errors. The routes live with what they serve: {@link SystemRoutes}, {@link
 * ContainerRoutes}, {@link ExecRoutes}, {@link ArchiveRoutes}, {@link ImageRoutes}, {@link
 * VolumeRoutes}, {@link NetworkRoutes}.
 */
public final class DockerApi {
  /** The API version of the request being handled (set around each route). */
  static final ScopedValue<ApiVersion> VERSION = ScopedValue.newInstance();

  final Engine engine;
  final ImageConfigs imageConfigs;
  final DockerExtras.Store extras;
  final Attachments attachments;
  final ExecSessions execs;
  final ContainerViews views;
  private final Router router;

  public DockerApi(Engine engine) {
    this.engine = engine;
    this.imageConfigs = new ImageConfigs(engine.config().root());
    this.extras = new DockerExtras.Store(engine.config().root());
    this.attachments = new Attachments(engine);
    this.execs = new ExecSessions();
    this.views = new ContainerViews(engine, imageConfigs, extras, execs::idsOf);
    // What containers removed meanwhile (by berth rm, or --rm with nobody waiting) left behind.
    extras.retain(new java.util.HashSet<>(engine.list().stream().map(Container::id).toList()));
    this.router = new Router(DockerErrors::response);
    new SystemRoutes(this).register(router);
    new ContainerRoutes(this).register(router);
    new ExecRoutes(this).register(router);
    new ArchiveRoutes(this).register(router);
    new ImageRoutes(this).register(router);
    new VolumeRoutes(this).register(router);
    new NetworkRoutes(engine).register(router);
  }

  /** What the server calls for each request on the Docker socket. */
  public UnixHttpServer.Handler handler() {
    return this::handle;
  }

  Response handle(Request request) {
    Response r;
    try {
      ApiVersion v = ApiVersion.of(request.rawPath());
      Request inner = request.withPath(v.path());
      r = ScopedValue.where(VERSION, v).call(() -> router.handle(inner));
    } catch (HttpException e) {
      r = DockerErrors.response(e);
    }
    return withHeaders(r);
  }

  static Response withHeaders(Response r) {
    return r.header("Api-Version", ApiVersion.MAX.text())
        .header("Docker-Experimental", "false")
        .header("Ostype", "linux")
        .header("Server", "Berth/" + berthVersion() + " (linux)");
  }

  /** The API version the client asked for (the newest for an unversioned path). */
  static ApiVersion version() {
    return VERSION.isBound() ? VERSION.get() : ApiVersion.MAX;
  }

  /** The container a path names, or Docker's 404. */
  Container container(String nameOrId) {
    return engine.find(nameOrId).orElseThrow(() -> DockerErrors.noSuchContainer(nameOrId));
  }

  private static volatile String version;

  static String berthVersion() {
    String v = version;
    if (v != null) {
      return v;
    }
    try (InputStream in = DockerApi.class.getResourceAsStream("/io/berth/server/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      v = p.getProperty("version", "unknown");
    } catch (IOException e) {
      v = "unknown";
    }
    version = v;
    return v;
  }
}
