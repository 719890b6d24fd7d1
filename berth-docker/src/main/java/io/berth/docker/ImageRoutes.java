package io.berth.docker;

import io.berth.engine.Container;
import io.berth.image.layer.LayerUnpacker;
import io.berth.image.meta.ImageDatabase;
import io.berth.image.meta.ImageGc;
import io.berth.image.meta.ImageRecord;
import io.berth.image.registry.ImageReference;
import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.PlatformMatcher;
import io.berth.image.store.ContentStore;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The image routes: pull (create), list, inspect, history, tag, remove, prune; save and load are
 * {@link ImageArchiveRoutes}, push and login {@link RegistryRoutes}; build and the others say they
 * are not served.
 */
final class ImageRoutes {
  static final Set<String> LIST_FILTERS = Set.of("before", "dangling", "label", "reference", "since", "until");

  private final DockerApi api;
  private final Path root;

  ImageRoutes(DockerApi api) {
    this.api = api;
    this.root = api.engine.config().root();
  }

  void register(Router r) {
    r.get("/images/json", this::list)
        .post("/images/create", this::create)
        .post("/images/prune", this::prune)
        .post("/build", req -> {
          throw DockerErrors.notImplemented("building images is not supported by this Berth daemon yet;"
              + " build with another tool, then berth load or pull the result");
        })
        .post("/build/prune", req -> Response.json(200, Map.of("CachesDeleted", List.of(), "SpaceReclaimed", 0)))
        .get("/images/search", req -> {
          throw DockerErrors.notImplemented("searching a registry is not supported by Berth");
        })
        .post("/commit", req -> {
          throw DockerErrors.notImplemented("committing a container to an image is not supported by Berth");
        })
        .get("/images/{name*}/json", req -> Response.json(200, inspect(image(req.param("name")))))
        .get("/images/{name*}/history", req -> Response.json(200, history(image(req.param("name")))))
        .post("/images/{name*}/tag", this::tag)
        .delete("/images/{name*}", this::remove);
    new ImageArchiveRoutes(api).register(r);
    new RegistryRoutes(api).register(r);
  }

  private ImageRecord image(String name) {
    try {
      return api.engine.images().find(name).orElseThrow(() -> HttpException.notFound("No such image: " + name));
    } catch (io.berth.image.meta.AmbiguousImageException e) {
      throw HttpException.badRequest(e.getMessage());
    }
  }

  private ImageDatabase db() {
    return ImageDatabase.open(root.resolve("images.db"));
  }

  // ---- list, inspect, history ----

  /** Names with a tag (not name@digest), as Docker shows them. */
  static List<String> repoTags(ImageRecord i) {
    return i.names().stream().filter(n -> !n.contains("@")).map(ImageNames::familiar).toList();
  }

  static List<String> repoDigests(ImageRecord i) {
    String digest = i.indexDigest() != null ? i.indexDigest() : i.manifestDigest();
    List<String> out = new ArrayList<>();
    for (String n : i.names()) {
      String repo = n.contains("@") ? n.substring(0, n.indexOf('@')) : n.substring(0, n.lastIndexOf(':') > n.lastIndexOf('/') ? n.lastIndexOf(':') : n.length());
      String d = ImageNames.familiar(repo) + "@" + digest;
      if (!out.contains(d)) {
        out.add(d);
      }
    }
    return out;
  }

  private Map<String, Object> summary(ImageRecord i, int containers) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", i.id());
    m.put("ParentId", "");
    m.put("RepoTags", repoTags(i));
    m.put("RepoDigests", repoDigests(i));
    m.put("Created", i.created() == null ? 0 : i.created().getEpochSecond());
    m.put("Size", i.size());
    m.put("SharedSize", -1);
    if (!DockerApi.version().atLeast(44)) {
      m.put("VirtualSize", i.size());
    }
    ImageConfig.Config c = api.imageConfigs.config(i.id());
    m.put("Labels", c == null || c.labels() == null || c.labels().isEmpty() ? null : c.labels());
    m.put("Containers", containers);
    return m;
  }

  private Response list(Request r) {
    Filters f = Filters.parse(r.query("filters"), LIST_FILTERS);
    Boolean dangling = f.bool("dangling");
    Instant before = f.has("before") ? createdOf(f.get("before").get(0)) : null;
    Instant since = f.has("since") ? createdOf(f.get("since").get(0)) : null;
    Instant until = f.has("until") ? ContainerRoutes.untilTime(f.get("until").get(0)) : null;
    List<Map<String, Object>> out = new ArrayList<>();
    for (ImageRecord i : api.engine.images().list()) {
      List<String> tags = repoTags(i);
      if (dangling != null && dangling != tags.isEmpty()) {
        continue;
      }
      ImageConfig.Config c = api.imageConfigs.config(i.id());
      if (!f.labelsMatch("label", c == null ? Map.of() : ContainerViews.orEmpty(c.labels()))) {
        continue;
      }
      if (f.has("reference") && tags.stream().noneMatch(t -> f.get("reference").stream().anyMatch(p -> referenceMatches(p, t)))) {
        continue;
      }
      Instant created = i.created();
      if (before != null && (created == null || !created.isBefore(before))) {
        continue;
      }
      if (since != null && (created == null || !created.isAfter(since))) {
        continue;
      }
      if (until != null && created != null && !created.isBefore(until)) {
        continue;
      }
      out.add(summary(i, -1));
    }
    return Response.json(200, out);
  }

  private Instant createdOf(String ref) {
    return image(ref).created();
  }

  /** Docker's reference filter: a glob on the name, with or without the tag. */
  static boolean referenceMatches(String pattern, String familiarTag) {
    String repo = familiarTag.substring(0, familiarTag.lastIndexOf(':') > familiarTag.lastIndexOf('/')
        ? familiarTag.lastIndexOf(':') : familiarTag.length());
    try {
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      return m.matches(Path.of(familiarTag)) || (!pattern.contains(":") && m.matches(Path.of(repo)));
    } catch (IllegalArgumentException e) {
      throw HttpException.badRequest("invalid filter 'reference=" + pattern + "'");
    }
  }

  private Map<String, Object> inspect(ImageRecord i) {
    ImageConfig config = api.imageConfigs.of(i.id()).orElse(null);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", i.id());
    m.put("RepoTags", repoTags(i));
    m.put("RepoDigests", repoDigests(i));
    m.put("Parent", "");
    m.put("Comment", "");
    m.put("Created", i.created() == null ? "0001-01-01T00:00:00Z" : i.created().toString());
    m.put("DockerVersion", "");
    m.put("Author", config == null || config.author() == null ? "" : config.author());
    m.put("Config", config == null ? null : config.config());
    m.put("Architecture", i.architecture());
    if (config != null && config.variant() != null) {
      m.put("Variant", config.variant());
    }
    m.put("Os", i.os());
    m.put("Size", i.size());
    if (!DockerApi.version().atLeast(44)) {
      m.put("VirtualSize", i.size());
    }
    m.put("GraphDriver", Map.of("Name", "overlay", "Data", Map.of()));
    m.put("RootFS", Map.of("Type", "layers", "Layers",
        config == null ? List.of() : config.diffIds().stream().map(Object::toString).toList()));
    m.put("Metadata", Map.of("LastTagTime", "0001-01-01T00:00:00Z"));
    return m;
  }

  private List<Map<String, Object>> history(ImageRecord i) {
    ImageConfig config = api.imageConfigs.of(i.id()).orElse(null);
    List<ImageConfig.History> h = config == null ? List.of() : config.history();
    List<Map<String, Object>> out = new ArrayList<>();
    for (int k = h.size() - 1; k >= 0; k--) {
      ImageConfig.History e = h.get(k);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Id", k == h.size() - 1 ? i.id() : "<missing>");
      m.put("Created", HumanTime.unixSeconds(e.created()));
      m.put("CreatedBy", e.createdBy() == null ? "" : e.createdBy());
      m.put("Tags", k == h.size() - 1 ? repoTags(i) : null);
      m.put("Size", 0);
      m.put("Comment", e.comment() == null ? "" : e.comment());
      out.add(m);
    }
    if (out.isEmpty()) {
      out.add(Map.of("Id", i.id(), "Created", i.created() == null ? 0 : i.created().getEpochSecond(), "CreatedBy", "",
          "Tags", repoTags(i), "Size", i.size(), "Comment", ""));
    }
    return out;
  }

  // ---- pull ----

  private Response create(Request r) {
    if (r.query("fromSrc") != null) {
      throw DockerErrors.notImplemented("docker import is not served by this Berth daemon yet; use berth import");
    }
    String from = r.query("fromImage");
    if (from == null || from.isEmpty()) {
      throw HttpException.badRequest("fromImage is required (the image to pull)");
    }
    String tag = Optional.ofNullable(r.query("tag")).orElse("");
    ImageReference ref;
    try {
      ImageReference parsed = ImageReference.parse(from);
      if (!tag.isEmpty() && parsed.digest() == null && !from.substring(from.lastIndexOf('/') + 1).contains(":")) {
        parsed = tag.startsWith("sha256:") ? parsed.withDigest(tag) : parsed.withTag(tag);
      }
      ref = parsed;
    } catch (IllegalArgumentException e) {
      throw HttpException.badRequest("invalid reference format: " + e.getMessage());
    }
    String platform = r.query("platform");
    PlatformMatcher matcher;
    try {
      matcher = platform == null || platform.isEmpty() ? PlatformMatcher.host() : PlatformMatcher.forFlag(platform);
    } catch (RuntimeException e) {
      throw HttpException.badRequest("invalid platform \"" + platform + "\": " + e.getMessage());
    }
    io.berth.image.registry.Credentials credentials = RegistryAuthHeader.of(r).credentials();
    String display = ImageNames.familiar(ref.toString());
    Optional<ImageRecord> before = api.engine.images().find(ref.toString());
    return Response.stream(200, "application/json", chunks -> {
      PullProgressJson progress = new PullProgressJson(chunks::write);
      progress.send(PullProgressJson.status("Pulling from " + ImageNames.familiar(ref.registry() + "/" + ref.repository()),
          ref.reference()));
      ImageRecord img;
      try {
        // The client's credentials, when it sent some, are for that registry: no fallback to the
        // local busybox then, whose use would hide that they were refused.
        img = credentials != null ? api.engine.images().pull(ref, true, matcher, credentials, progress)
            : platform == null || platform.isEmpty()
            ? api.engine.images().pullOrLocal(ref.toString(), true, progress)
            : api.engine.images().pull(ref, true, matcher, progress);
      } catch (RuntimeException e) {
        progress.send(PullProgressJson.error(e.getMessage() == null ? e.toString() : e.getMessage()));
        return;
      }
      progress.send(PullProgressJson.status("Digest: " + (img.indexDigest() != null ? img.indexDigest() : img.manifestDigest()), null));
      boolean same = before.isPresent() && before.get().id().equals(img.id());
      progress.send(PullProgressJson.status((same ? "Status: Image is up to date for " : "Status: Downloaded newer image for ")
          + display, null));
    });
  }

  // ---- tag, remove, prune ----

  private Response tag(Request r) {
    ImageRecord i = image(r.param("name"));
    String repo = r.query("repo");
    if (repo == null || repo.isEmpty()) {
      throw HttpException.badRequest("repo is required (the new name)");
    }
    String tag = Optional.ofNullable(r.query("tag")).filter(s -> !s.isEmpty()).orElse("latest");
    String name = ImageNames.normalized(repo + ":" + tag);
    if (name == null || repo.contains("@")) {
      throw HttpException.badRequest("invalid reference format: " + repo + ":" + tag);
    }
    try (ImageDatabase db = db()) {
      db.tag(i.id(), name);
    }
    return Response.status(201);
  }

  private Response remove(Request r) throws IOException {
    String name = r.param("name");
    boolean force = r.queryBool("force", false);
    ImageRecord i = image(name);
    String normalized = ImageNames.normalized(name);
    String byName = i.names().contains(name) ? name : normalized != null && i.names().contains(normalized) ? normalized
        : i.names().stream().filter(n -> n.equals("localhost/" + name) || n.equals("localhost/" + name + ":latest"))
            .findFirst().orElse(null);
    List<Map<String, String>> out = new ArrayList<>();
    try (ImageDatabase db = db()) {
      if (byName != null && i.names().size() > 1) {
        db.untag(byName);
        out.add(Map.of("Untagged", ImageNames.familiar(byName)));
        return Response.json(200, out);
      }
      if (byName == null && i.names().size() > 1 && !force) {
        throw new HttpException(409, "conflict: unable to delete " + shortId(i.id())
            + " (must be forced) - image is referenced in multiple repositories");
      }
      for (Container c : api.engine.list()) {
        if (c.imageId().equals(i.id())) {
          if (c.state().isRunning()) {
            throw new HttpException(409, "conflict: unable to delete " + shortId(i.id())
                + " (cannot be forced) - image is being used by running container " + c.shortId());
          }
          if (!force) {
            throw new HttpException(409, "conflict: unable to remove repository reference \"" + name
                + "\" (must force) - container " + c.shortId() + " is using its referenced image " + shortId(i.id()));
          }
        }
      }
      ImageRecord removed = db.removeImage(i.id(), true);
      for (String n : removed.names()) {
        out.add(Map.of("Untagged", ImageNames.familiar(n)));
      }
      out.add(Map.of("Deleted", removed.id()));
      collect(db);
    }
    return Response.json(200, out);
  }

  private void collect(ImageDatabase db) throws IOException {
    ImageGc.run(db, new ContentStore(root.resolve("content")), new Snapshotter(root.resolve("snapshots"), new LayerUnpacker()));
  }

  private static String shortId(String id) {
    String hex = id.substring(id.indexOf(':') + 1);
    return hex.substring(0, Math.min(12, hex.length()));
  }

  private Response prune(Request r) throws IOException {
    Filters f = Filters.parse(r.query("filters"), Set.of("dangling", "label", "label!", "until"));
    Boolean danglingOnly = f.bool("dangling");
    boolean onlyDangling = danglingOnly == null || danglingOnly;
    Instant until = f.has("until") ? ContainerRoutes.untilTime(f.get("until").get(0)) : null;
    Set<String> used = new java.util.HashSet<>();
    for (Container c : api.engine.list()) {
      used.add(c.imageId());
    }
    List<Map<String, String>> deleted = new ArrayList<>();
    long reclaimed = 0;
    try (ImageDatabase db = db()) {
      for (ImageRecord i : db.list()) {
        if (used.contains(i.id()) || (onlyDangling && !repoTags(i).isEmpty())) {
          continue;
        }
        if (until != null && i.created() != null && !i.created().isBefore(until)) {
          continue;
        }
        ImageConfig.Config c = api.imageConfigs.config(i.id());
        Map<String, String> labels = c == null ? Map.of() : ContainerViews.orEmpty(c.labels());
        if (!f.labelsMatch("label", labels) || f.get("label!").stream().anyMatch(v -> Filters.labelHolds(v, labels))) {
          continue;
        }
        ImageRecord removed = db.removeImage(i.id(), false);
        for (String n : removed.names()) {
          deleted.add(Map.of("Untagged", ImageNames.familiar(n)));
        }
        deleted.add(Map.of("Deleted", removed.id()));
        reclaimed += removed.size();
      }
      collect(db);
    }
    return Response.json(200, Map.of("ImagesDeleted", deleted, "SpaceReclaimed", reclaimed));
  }
}
