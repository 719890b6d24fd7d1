package io.berth.docker;

import io.berth.image.meta.ImageRecord;
import io.berth.image.push.ImagePusher;
import io.berth.image.registry.AuthFiles;
import io.berth.image.registry.Credentials;
import io.berth.image.registry.ImageReference;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryConfig;
import io.berth.image.registry.RegistryException;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.store.ContentStore;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What talks to a registry on a client's behalf besides pull: {@code docker push} ({@code POST
 * /images/{name}/push}, Docker's progress lines per layer) and {@code docker login} ({@code POST
 * /auth}: the credentials are tried against the registry and not kept; the CLI keeps them and
 * sends them with each pull and push in X-Registry-Auth).
 */
final class RegistryRoutes {
  private final DockerApi api;
  private final Path root;

  RegistryRoutes(DockerApi api) {
    this.api = api;
    this.root = api.engine.config().root();
  }

  void register(Router r) {
    r.post("/auth", this::login).post("/images/{name*}/push", this::push);
  }

  /** The daemon's registries.conf (mirrors do not apply to these, its insecure registries do). */
  private RegistryConfig config() {
    return api.engine.config().registries().apply(RegistryConfig.defaults());
  }

  // ---- login ----

  private Response login(Request r) {
    RegistryAuthHeader auth = RegistryAuthHeader.of(Json.body(r, false));
    if (auth.username().isEmpty()) {
      throw HttpException.badRequest(auth.identityToken().isEmpty() ? "a username is required to log in"
          : "identity tokens (OAuth refresh tokens) are not supported by Berth; log in with a user name and password");
    }
    String registry = RegistryAuthHeader.registryHost(auth.serverAddress().isEmpty()
        ? ImageReference.DOCKER_HUB : auth.serverAddress());
    // Only these credentials: neither the daemon's auth files nor a token it holds may make
    // wrong ones look right.
    RegistryConfig only = config().withAuthFiles(AuthFiles.none(root.resolve("docker/no-login.json")))
        .withCredentials(registry, new Credentials(auth.username(), auth.password()));
    try (RegistryClient client = new RegistryClient(only)) {
      client.ping(registry);
    } catch (RegistryException e) {
      if (e.isUnauthorized()) {
        throw new HttpException(401, "login attempt to " + registry + "/v2/ failed with status: "
            + e.status() + (e.status() == 401 ? " Unauthorized" : " Forbidden"));
      }
      throw new HttpException(500, e.getMessage());
    }
    Map<String, Object> ok = new LinkedHashMap<>();
    ok.put("Status", "Login Succeeded");
    ok.put("IdentityToken", "");
    return Response.json(200, ok);
  }

  // ---- push ----

  private Response push(Request r) throws IOException {
    String name = r.param("name");
    String tag = r.query("tag") == null ? "" : r.query("tag");
    ImageReference repo;
    try {
      repo = ImageReference.parse(name);
    } catch (IllegalArgumentException e) {
      throw HttpException.badRequest("invalid reference format: " + name);
    }
    if (repo.digest() != null) {
      throw HttpException.badRequest("cannot push a digest reference: " + name);
    }
    boolean tagInName = name.substring(name.lastIndexOf('/') + 1).contains(":");
    List<ImageReference> targets = new ArrayList<>();
    Map<ImageReference, ImageRecord> images = new HashMap<>();
    if (!tag.isEmpty() || tagInName) {
      ImageReference target = tag.isEmpty() ? repo : repo.withTag(tag);
      ImageRecord image = api.engine.images().find(target.toString()).orElseThrow(() ->
          HttpException.notFound("An image does not exist locally with the tag: " + ImageNames.familiar(target.toString())));
      targets.add(target);
      images.put(target, image);
    } else {
      // docker push --all-tags: every tag of the repository
      String prefix = repo.registry() + "/" + repo.repository() + ":";
      for (ImageRecord i : api.engine.images().list()) {
        for (String n : i.names()) {
          if (n.startsWith(prefix)) {
            ImageReference t = ImageReference.parse(n);
            targets.add(t);
            images.put(t, i);
          }
        }
      }
      if (targets.isEmpty()) {
        throw HttpException.notFound("An image does not exist locally with the tag: " + ImageNames.familiar(
            repo.registry() + "/" + repo.repository()));
      }
    }
    Credentials credentials = RegistryAuthHeader.of(r).credentials();
    RegistryConfig config = config();
    if (credentials != null) {
      config = config.withCredentials(repo.registry(), credentials);
    }
    RegistryConfig chosen = config;
    ContentStore store = new ContentStore(root.resolve("content"));
    return Response.stream(200, "application/json", chunks -> {
      PullProgressJson lines = new PullProgressJson(chunks::write);
      lines.send(PullProgressJson.status("The push refers to repository ["
          + ImageNames.familiar(repo.registry() + "/" + repo.repository()) + "]", null));
      try (RegistryClient client = new RegistryClient(chosen)) {
        for (ImageReference target : targets) {
          ImageRecord image = images.get(target);
          ImageReference source = image.names().stream().filter(n -> !n.contains("@")).findFirst()
              .map(ImageReference::parse).orElse(null);
          Digest manifest = Digest.parse(image.manifestDigest());
          Digest pushed = new ImagePusher(client, store, new Progress(lines, manifestConfig(store, manifest)))
              .push(manifest, target, source);
          long size = store.size(pushed);
          lines.send(PullProgressJson.status(target.tag() + ": digest: " + pushed + " size: " + size, null));
          Map<String, Object> aux = new LinkedHashMap<>();
          aux.put("progressDetail", Map.of());
          aux.put("aux", Map.of("Tag", target.tag(), "Digest", pushed.toString(), "Size", size));
          lines.send(aux);
        }
      } catch (RuntimeException e) {
        lines.send(PullProgressJson.error(e.getMessage() == null ? e.toString() : e.getMessage()));
      }
    });
  }

  /** The config's digest: Docker shows the layers' progress only. */
  private static Digest manifestConfig(ContentStore store, Digest manifest) throws IOException {
    try (var in = store.open(manifest)) {
      return io.berth.image.spec.ImageJson.manifest(in.readAllBytes()).config().digest();
    }
  }

  /** Docker's push lines per layer: Preparing, Pushing (with a bar, ten a second at most), Pushed, or Layer already exists. */
  private static final class Progress implements ImagePusher.Events {
    private final PullProgressJson lines;
    private final Digest config;
    private final Map<Digest, Long> lastDraw = new HashMap<>();

    Progress(PullProgressJson lines, Digest config) {
      this.lines = lines;
      this.config = config;
    }

    private void send(Descriptor blob, String status, Map<String, Object> detail, String bar) {
      if (blob.digest().equals(config)) {
        return;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", status);
      m.put("progressDetail", detail == null ? Map.of() : detail);
      if (bar != null) {
        m.put("progress", bar);
      }
      m.put("id", blob.digest().shortHex());
      lines.send(m);
    }

    @Override
    public void preparing(Descriptor blob) {
      send(blob, "Preparing", null, null);
    }

    @Override
    public void exists(Descriptor blob) {
      send(blob, "Layer already exists", null, null);
    }

    @Override
    public void mounted(Descriptor blob, String from) {
      send(blob, "Mounted from " + from, null, null);
    }

    @Override
    public void uploading(Descriptor blob, long sent) {
      long now = System.nanoTime();
      Long last = lastDraw.get(blob.digest());
      if (last != null && now - last < 100_000_000L && sent < blob.size()) {
        return;
      }
      lastDraw.put(blob.digest(), now);
      send(blob, "Pushing", Map.of("current", sent, "total", blob.size()), PullProgressJson.bar(sent, blob.size()));
    }

    @Override
    public void uploaded(Descriptor blob) {
      send(blob, "Pushed", null, null);
    }
  }
}
