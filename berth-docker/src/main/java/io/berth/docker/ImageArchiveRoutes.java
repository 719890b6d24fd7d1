package io.berth.docker;

import io.berth.image.layer.LayerUnpacker;
import io.berth.image.meta.ImageDatabase;
import io.berth.image.meta.ImageRecord;
import io.berth.image.pull.PulledImage;
import io.berth.image.registry.ImageReference;
import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.store.ContentStore;
import io.berth.image.transport.DockerArchive;
import io.berth.image.transport.ImageRef;
import io.berth.image.transport.OciArchive;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * {@code docker save} ({@code GET /images/get}, {@code GET /images/{name}/get}): a docker-archive
 * streamed to the client; and {@code docker load} ({@code POST /images/load}): a docker-archive or
 * an OCI layout's tar in the body, answered with Docker's JSON lines. A load records its images
 * only once every one of them has been read, verified and unpacked: a bad archive leaves no
 * image behind (its verified blobs stay unnamed for the store's garbage collection).
 */
final class ImageArchiveRoutes {
  private final DockerApi api;
  private final Path root;

  ImageArchiveRoutes(DockerApi api) {
    this.api = api;
    this.root = api.engine.config().root();
  }

  void register(Router r) {
    r.get("/images/get", req -> save(req.queryAll("names")))
        .get("/images/{name*}/get", req -> save(List.of(req.param("name"))))
        .post("/images/load", this::load);
  }

  /** Where the archives and layers in transit go: beside the store, so nothing crosses filesystems. */
  private Path tempDir() throws IOException {
    return Files.createDirectories(root.resolve("docker/tmp"));
  }

  // ---- save ----

  private Response save(List<String> names) throws IOException {
    if (names.isEmpty()) {
      throw HttpException.badRequest("no images to save: give names=IMAGE");
    }
    // Every name is resolved before the first byte, so a missing image is a 404, not a cut stream.
    Map<String, List<String>> tagsByManifest = new LinkedHashMap<>();
    for (String name : names) {
      ImageRecord image = api.engine.images().find(name).orElseThrow(() -> HttpException.notFound("No such image: " + name));
      List<String> tags = tagsByManifest.computeIfAbsent(image.manifestDigest(), k -> new ArrayList<>());
      for (String tag : tagsFor(name, image)) {
        if (!tags.contains(tag)) {
          tags.add(tag);
        }
      }
    }
    List<ImageRef> refs = new ArrayList<>();
    tagsByManifest.forEach((manifest, tags) -> refs.add(new ImageRef(Digest.parse(manifest), tags)));
    ContentStore store = new ContentStore(root.resolve("content"));
    Path temp = tempDir();
    return Response.stream(200, "application/x-tar", chunks -> {
      OutputStream out = new BufferedOutputStream(new ChunkOutput(chunks), 1 << 16);
      DockerArchive.write(store, refs, out, temp);
      out.flush();
    });
  }

  /**
   * The names an image is saved under, as Docker chooses them: the tag asked for; every tag of
   * the repository when only a repository was named; none when it was named by ID.
   */
  private static List<String> tagsFor(String asked, ImageRecord image) {
    List<String> tags = image.names().stream().filter(n -> !n.contains("@")).toList();
    String hex = image.id().substring(image.id().indexOf(':') + 1);
    String bare = asked.startsWith("sha256:") ? asked.substring(7) : asked;
    if (bare.length() >= 4 && hex.startsWith(bare) && tags.stream().noneMatch(t -> t.equals(ImageNames.normalized(asked)))) {
      return List.of();
    }
    String normalized = ImageNames.normalized(asked);
    if (normalized != null && tags.contains(normalized)) {
      boolean tagged = asked.substring(asked.lastIndexOf('/') + 1).contains(":");
      if (tagged) {
        return List.of(ImageNames.familiar(normalized));
      }
      String repo = normalized.substring(0, normalized.lastIndexOf(':') + 1);
      return tags.stream().filter(t -> t.startsWith(repo)).map(ImageNames::familiar).toList();
    }
    // A short name that found an image made here (localhost/NAME): its own names.
    return tags.stream().map(ImageNames::familiar).toList();
  }

  // ---- load ----

  private Response load(Request r) throws IOException {
    Path temp = tempDir();
    return Response.stream(200, "application/json", chunks -> {
      PullProgressJson lines = new PullProgressJson(chunks::write);
      Path archive = Files.createTempFile(temp, "load-", ".tar");
      try {
        // Whatever its size: a large archive came spooled to a file by the server.
        try (InputStream body = r.bodyStream()) {
          Files.copy(body, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (String line : importArchive(archive)) {
          lines.send(Map.of("stream", line + "\n"));
        }
      } catch (RuntimeException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        lines.send(PullProgressJson.error(m.replace(archive.toString(), "(the uploaded archive)")));
      } finally {
        Files.deleteIfExists(archive);
      }
    });
  }

  private record Loaded(ImageRef ref, Manifest manifest, ImageConfig config) {}

  /** Reads, verifies and unpacks every image of the archive, then records them all; returns the lines to show. */
  private List<String> importArchive(Path archive) throws IOException {
    ContentStore store = new ContentStore(root.resolve("content"));
    List<ImageRef> refs = switch (format(archive)) {
      case DOCKER -> DockerArchive.read(archive, store);
      case OCI -> OciArchive.read(archive, store);
      case NEITHER -> throw new IllegalArgumentException("the archive has neither a manifest.json (docker save)"
          + " nor an oci-layout (an OCI image layout); is it an image archive?");
    };
    if (refs.isEmpty()) {
      throw new IllegalArgumentException("the archive holds no image");
    }
    List<Loaded> loaded = new ArrayList<>();
    for (ImageRef ref : refs) {
      Manifest manifest;
      try (InputStream in = store.open(ref.manifestDigest())) {
        manifest = ImageJson.manifest(in.readAllBytes());
      }
      ImageConfig config;
      try (InputStream in = store.open(manifest.config().digest())) {
        config = ImageJson.config(in.readAllBytes());
      }
      loaded.add(new Loaded(ref, manifest, config));
    }
    Snapshotter snapshots = new Snapshotter(root.resolve("snapshots"), new LayerUnpacker());
    for (Loaded l : loaded) {
      snapshots.prepare(store, l.manifest(), l.config());
    }
    List<String> out = new ArrayList<>();
    try (ImageDatabase db = ImageDatabase.open(root.resolve("images.db"))) {
      List<ImageRecord> records = new ArrayList<>();
      for (Loaded l : loaded) {
        List<String> names = new ArrayList<>();
        for (String n : l.ref().names()) {
          try {
            names.add(ImageReference.parse(n).toString());
          } catch (IllegalArgumentException e) {
            out.add("Ignoring the name \"" + n + "\" of a loaded image: " + e.getMessage());
          }
        }
        records.add(ImageRecord.from(new PulledImage(null, l.ref().manifestDigest(), null, l.manifest(),
            l.manifest().config().digest(), l.config()), names));
      }
      for (ImageRecord record : records) {
        for (String n : record.names()) {
          Optional<ImageRecord> old = db.resolve(n);
          if (old.isPresent() && !old.get().id().equals(record.id())) {
            out.add("The image " + ImageNames.familiar(n) + " already exists, renaming the old one with ID "
                + old.get().id() + " to empty string");
          }
        }
        db.recordImage(record);
        if (record.names().isEmpty()) {
          out.add("Loaded image ID: " + record.id());
        }
        for (String n : record.names()) {
          out.add("Loaded image: " + ImageNames.familiar(n));
        }
      }
    }
    return out;
  }

  private enum Format { DOCKER, OCI, NEITHER }

  /** manifest.json wins: Docker 25's save writes both it and an OCI layout. */
  private static Format format(Path archive) throws IOException {
    boolean oci = false;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String n = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        if (n.equals("manifest.json")) {
          return Format.DOCKER;
        }
        oci |= n.equals("oci-layout");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("the archive is not a readable tar: " + e.getMessage(), e);
    }
    return oci ? Format.OCI : Format.NEITHER;
  }
}
