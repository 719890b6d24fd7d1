package io.berth.cli;

import io.berth.image.layer.LayerUnpacker;
import io.berth.image.meta.GcResult;
import io.berth.image.meta.ImageDatabase;
import io.berth.image.meta.ImageGc;
import io.berth.image.meta.ImageRecord;
import io.berth.image.pull.ImagePuller;
import io.berth.image.pull.PulledImage;
import io.berth.image.registry.ImageReference;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryConfig;
import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.PlatformMatcher;
import io.berth.image.store.ContentStore;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image commands of {@code berth} (podman's names): pull, images, tag, rmi, image prune.
 * Storage under the root: content/ (blobs), snapshots/ (unpacked layers), images.db.
 */
final class ImageCommands {
  private final Path root;
  private final PrintStream out;
  private final PrintStream err;
  private final io.berth.image.registry.RegistriesConf registries;

  ImageCommands(Path root, PrintStream out, PrintStream err, io.berth.image.registry.RegistriesConf registries) {
    this.root = root;
    this.out = out;
    this.err = err;
    this.registries = registries;
  }

  private ContentStore store() throws IOException {
    return new ContentStore(root.resolve("content"));
  }

  private Snapshotter snapshots() {
    return new Snapshotter(root.resolve("snapshots"), new LayerUnpacker());
  }

  private ImageDatabase db() {
    return ImageDatabase.open(root.resolve("images.db"));
  }

  int pull(List<String> args) throws IOException {
    String usage = "pull [--platform OS/ARCH[/VARIANT]] [--tls-verify=false] [-q] IMAGE";
    Flags f = Flags.berth("pull", args, Integer.MAX_VALUE);
    String platform = null;
    boolean quiet = false;
    boolean tlsVerify = true;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--platform" -> platform = f.value(flag);
        case "--quiet", "-q" -> quiet = true;
        case "--tls-verify" -> tlsVerify = !"false".equals(f.value(flag));
        default -> {
          if (Flags.isHelp(flag)) {
            out.println("usage: berth " + usage);
            return 0;
          }
          throw f.unknown(flag);
        }
      }
    }
    ImageReference ref = ImageReference.parse(f.positionals(1, 1, usage).get(0));
    PlatformMatcher matcher = platform == null ? PlatformMatcher.host() : PlatformMatcher.forFlag(platform);
    try (io.berth.engine.ImageService images = new io.berth.engine.ImageService(root, registries)) {
      ImageRecord img = images.pull(ref, tlsVerify, matcher, PullProgress.forStderr(quiet));
      if (!quiet) {
        err.println("Pulled " + ref + " (" + img.manifestDigest() + ")");
      }
      out.println(hexOf(img.id()));
    }
    return 0;
  }

  int push(List<String> args) throws IOException {
    String usage = "push [--tls-verify=false] [-q] IMAGE [DESTINATION]";
    Flags f = Flags.berth("push", args, Integer.MAX_VALUE);
    boolean quiet = false;
    boolean tlsVerify = true;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--quiet", "-q" -> quiet = true;
        case "--tls-verify" -> tlsVerify = !"false".equals(f.value(flag));
        default -> {
          if (Flags.isHelp(flag)) {
            out.println("usage: berth " + usage);
            return 0;
          }
          throw f.unknown(flag);
        }
      }
    }
    List<String> pos = f.positionals(1, 2, usage);
    try (ImageDatabase db = db()) {
      ImageRecord image = find(db, pos.get(0));
      ImageReference source = image.names().isEmpty() ? null : ImageReference.parse(image.names().get(0));
      ImageReference dest = ImageReference.parse(pos.size() > 1 ? pos.get(1) : pos.get(0));
      RegistryConfig config = RegistryConfig.defaults();
      if (!tlsVerify) {
        config = config.withInsecureRegistry(dest.registry());
      }
      boolean q = quiet;
      try (RegistryClient client = new RegistryClient(config)) {
        io.berth.image.spec.Digest d =
            new io.berth.image.push.ImagePusher(client, store(), m -> {
                  if (!q) {
                    err.println(m);
                  }
                })
                .push(io.berth.image.spec.Digest.parse(image.manifestDigest()), dest, source);
        if (!quiet) {
          err.println("Pushed " + dest + " (" + d + ")");
        }
      }
    }
    return 0;
  }

  /** Docker's image inspect document of one image. */
  Map<String, Object> inspectDocument(String name) throws IOException {
    try (ImageDatabase db = db()) {
      ImageRecord i = find(db, name);
      io.berth.image.spec.ImageConfig config;
      try (var in = store().open(io.berth.image.spec.Digest.parse(i.id()))) {
        config = io.berth.image.spec.ImageJson.config(in.readAllBytes());
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Id", hexOf(i.id()));
      m.put("Digest", i.manifestDigest());
      m.put("RepoTags", i.names());
      m.put("Created", i.created() == null ? null : i.created().toString());
      m.put("Architecture", i.architecture());
      m.put("Os", i.os());
      m.put("Size", i.size());
      m.put("Config", config.config());
      m.put("RootFS", Map.of("Type", "layers", "Layers", config.diffIds().stream().map(Object::toString).toList()));
      return m;
    }
  }

  int inspect(List<String> args) throws IOException {
    Flags f = Flags.berth("image inspect", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    List<String> pos = f.positionals(1, -1, "image inspect IMAGE...");
    List<Map<String, Object>> docs = new ArrayList<>();
    for (String name : pos) {
      docs.add(inspectDocument(name));
    }
    out.println(SpecJson.toPrettyString(docs));
    return 0;
  }

  int login(List<String> args, java.io.InputStream in) throws IOException {
    String usage = "login [-u USER] [-p PASSWORD | --password-stdin] [--tls-verify=false] REGISTRY";
    Flags f = Flags.berth("login", args, Integer.MAX_VALUE);
    String user = null;
    String password = null;
    boolean stdin = false;
    boolean tlsVerify = true;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--username", "-u" -> user = f.value(flag);
        case "--password", "-p" -> password = f.value(flag);
        case "--password-stdin" -> stdin = true;
        case "--tls-verify" -> tlsVerify = !"false".equals(f.value(flag));
        default -> {
          if (Flags.isHelp(flag)) {
            out.println("usage: berth " + usage);
            return 0;
          }
          throw f.unknown(flag);
        }
      }
    }
    String registry = f.positionals(1, 1, usage).get(0);
    if (stdin) {
      password = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    }
    if (user == null || password == null) {
      throw new Flags.UsageException("login needs --username and a password (--password or --password-stdin)");
    }
    RegistryConfig config = RegistryConfig.defaults();
    if (!tlsVerify) {
      config = config.withInsecureRegistry(registry);
    }
    try (RegistryClient client = new RegistryClient(config)) {
      client.login(registry, user, password);
    }
    out.println("Login Succeeded!");
    return 0;
  }

  int logout(List<String> args) {
    Flags f = Flags.berth("logout", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    String registry = f.positionals(1, 1, "logout REGISTRY").get(0);
    try (RegistryClient client = new RegistryClient(RegistryConfig.defaults())) {
      if (!client.logout(registry)) {
        err.println("berth: not logged into " + registry);
        return 125;
      }
    }
    out.println("Removed login credentials for " + registry);
    return 0;
  }

  /**
   * {@code import TARBALL [NAME]}: a root filesystem tarball (plain, gzip or zstd) becomes a
   * one-layer image; the layer is stored as given, its diff ID is the digest of the plain tar.
   */
  int importTarball(List<String> args) throws IOException {
    String usage = "import TARBALL [NAME]";
    Flags f = Flags.berth("import", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    List<String> pos = f.positionals(1, 2, usage);
    try (io.berth.engine.ImageService images = new io.berth.engine.ImageService(root, registries)) {
      ImageRecord image = images.importTarball(Path.of(pos.get(0)), pos.size() > 1 ? pos.get(1) : null, null);
      out.println(hexOf(image.id()));
    }
    return 0;
  }

  /** {@code save [--format docker-archive|oci-archive|oci-dir] -o FILE IMAGE...} */
  int save(List<String> args) throws IOException {
    String usage = "save [--format docker-archive|oci-archive|oci-dir] --output FILE IMAGE...";
    Flags f = Flags.berth("save", args, Integer.MAX_VALUE);
    String format = "docker-archive";
    Path output = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--format" -> format = f.value(flag);
        case "--output", "-o" -> output = Path.of(f.value(flag));
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(1, -1, usage);
    if (output == null) {
      throw new Flags.UsageException("save needs --output FILE (writing an archive to a terminal helps nobody)");
    }
    List<io.berth.image.transport.ImageRef> refs = new ArrayList<>();
    try (ImageDatabase db = db()) {
      for (String name : pos) {
        String key = normalize(db, name);
        ImageRecord i = find(db, name);
        List<String> names = i.names().contains(key) ? List.of(key) : i.names();
        refs.add(new io.berth.image.transport.ImageRef(io.berth.image.spec.Digest.parse(i.manifestDigest()), names));
      }
    }
    ContentStore store = store();
    switch (format) {
      case "docker-archive" -> io.berth.image.transport.DockerArchive.write(store, refs, output);
      case "oci-archive" -> io.berth.image.transport.OciArchive.write(store, refs, output);
      case "oci-dir" -> io.berth.image.transport.OciLayout.write(store, refs, output);
      default -> throw new Flags.UsageException("unknown --format \"" + format + "\": docker-archive, oci-archive or oci-dir");
    }
    return 0;
  }

  /** {@code load --input FILE}: a docker-archive, oci-archive or OCI layout directory. */
  int load(List<String> args) throws IOException {
    Flags f = Flags.berth("load", args, Integer.MAX_VALUE);
    Path input = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--input", "-i" -> input = Path.of(f.value(flag));
        case "--quiet", "-q" -> { }
        default -> throw f.unknown(flag);
      }
    }
    f.positionals(0, 0, "load --input FILE");
    if (input == null) {
      throw new Flags.UsageException("load needs --input FILE");
    }
    ContentStore store = store();
    List<io.berth.image.transport.ImageRef> refs;
    if (java.nio.file.Files.isDirectory(input)) {
      refs = io.berth.image.transport.OciLayout.read(input, store);
    } else if (isOciArchive(input)) {
      refs = io.berth.image.transport.OciArchive.read(input, store);
    } else {
      refs = io.berth.image.transport.DockerArchive.read(input, store);
    }
    Snapshotter snaps = snapshots();
    try (ImageDatabase db = db()) {
      for (var ref : refs) {
        io.berth.image.spec.Manifest manifest;
        try (var in = store.open(ref.manifestDigest())) {
          manifest = io.berth.image.spec.ImageJson.manifest(in.readAllBytes());
        }
        io.berth.image.spec.ImageConfig config;
        try (var in = store.open(manifest.config().digest())) {
          config = io.berth.image.spec.ImageJson.config(in.readAllBytes());
        }
        snaps.prepare(store, manifest, config);
        List<String> names = new ArrayList<>();
        for (String n : ref.names()) {
          try {
            names.add(ImageReference.parse(n).toString());
          } catch (RuntimeException e) {
            err.println("berth: warning: ignoring the name \"" + n + "\" of a loaded image: " + e.getMessage());
          }
        }
        db.recordImage(ImageRecord.from(new PulledImage(null, ref.manifestDigest(), null, manifest,
            manifest.config().digest(), config), names));
        out.println("Loaded image: " + (names.isEmpty() ? manifest.config().digest().hex() : String.join(", ", names)));
      }
    }
    return 0;
  }

  private static boolean isOciArchive(Path tar) throws IOException {
    try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(tar)))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        String n = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        if (n.equals("oci-layout")) {
          return true;
        }
        if (n.equals("manifest.json")) {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * {@code image copy SRC DST} across transports, skopeo's syntax: {@code docker://REF},
   * {@code oci:DIR[:TAG]}, {@code oci-archive:FILE[:TAG]}, {@code docker-archive:FILE}. The
   * blobs pass through a store of their own, removed afterwards: a copy leaves the local images
   * as they were.
   */
  int copy(List<String> args) throws IOException {
    String usage = "image copy [--tls-verify=false] SOURCE DESTINATION";
    Flags f = Flags.berth("image copy", args, Integer.MAX_VALUE);
    boolean tlsVerify = true;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--tls-verify", "--src-tls-verify", "--dest-tls-verify" -> tlsVerify = !"false".equals(f.value(flag));
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(2, 2, usage);
    Transport src = Transport.parse(pos.get(0));
    Transport dst = Transport.parse(pos.get(1));
    Path scratch = java.nio.file.Files.createDirectories(root).resolve(".copy-" + java.util.UUID.randomUUID());
    try {
      ContentStore store = new ContentStore(scratch);
      RegistryConfig config = RegistryConfig.defaults();
      if (!tlsVerify) {
        for (Transport t : List.of(src, dst)) {
          if (t.kind().equals("docker")) {
            config = config.withInsecureRegistry(ImageReference.parse(t.location()).registry());
          }
        }
      }
      try (RegistryClient client = new RegistryClient(config)) {
        io.berth.image.transport.ImageRef image = read(src, store, client);
        write(dst, image, src, store, client);
      }
    } finally {
      deleteTree(scratch);
    }
    return 0;
  }

  /** A transport name and where it points, as skopeo writes them. */
  record Transport(String kind, String location, String tag) {
    static Transport parse(String s) {
      int colon = s.indexOf(':');
      if (colon < 0) {
        throw new Flags.UsageException("\"" + s + "\" names no transport: use docker://, oci:, oci-archive:, docker-archive: or dir:");
      }
      String kind = s.substring(0, colon);
      String rest = s.substring(colon + 1);
      return switch (kind) {
        case "docker" -> {
          if (!rest.startsWith("//")) {
            throw new Flags.UsageException("docker transport needs docker://NAME, got \"" + s + "\"");
          }
          yield new Transport(kind, rest.substring(2), null);
        }
        case "dir" -> new Transport(kind, rest, null);
        case "oci", "oci-archive", "docker-archive" -> {
          int c = rest.lastIndexOf(':');
          boolean tagged = c > 0 && rest.indexOf('/', c) < 0;
          yield new Transport(kind, tagged ? rest.substring(0, c) : rest, tagged ? rest.substring(c + 1) : null);
        }
        default -> throw new Flags.UsageException("unknown transport \"" + kind + "\": use docker://, oci:, oci-archive:, docker-archive: or dir:");
      };
    }
  }

  private io.berth.image.transport.ImageRef read(Transport t, ContentStore store, RegistryClient client) {
    if (t.kind().equals("docker")) {
      ImageReference ref = ImageReference.parse(t.location());
      PulledImage img = new ImagePuller(client, store, p -> {}, 4).pull(ref, PlatformMatcher.host());
      return new io.berth.image.transport.ImageRef(img.manifestDigest(), List.of(ref.toString()));
    }
    Path path = Path.of(t.location());
    if (t.kind().equals("dir")) {
      return io.berth.image.transport.DirTransport.read(path, store);
    }
    List<io.berth.image.transport.ImageRef> refs = switch (t.kind()) {
      case "oci" -> io.berth.image.transport.OciLayout.read(path, store);
      case "oci-archive" -> io.berth.image.transport.OciArchive.read(path, store);
      default -> io.berth.image.transport.DockerArchive.read(path, store);
    };
    for (var r : refs) {
      if (t.tag() == null || r.names().stream().anyMatch(n -> n.equals(t.tag()) || n.endsWith(":" + t.tag()))) {
        return r;
      }
    }
    throw new io.berth.image.transport.TransportException(
        t.kind() + ":" + t.location() + ": no image" + (t.tag() == null ? "" : " tagged \"" + t.tag() + "\""));
  }

  private void write(Transport t, io.berth.image.transport.ImageRef image, Transport src, ContentStore store, RegistryClient client) {
    if (t.kind().equals("docker")) {
      ImageReference dst = ImageReference.parse(t.location());
      ImageReference from = src.kind().equals("docker") ? ImageReference.parse(src.location()) : null;
      new io.berth.image.push.ImagePusher(client, store, err::println).push(image.manifestDigest(), dst, from);
      return;
    }
    List<String> names = t.tag() != null ? List.of(t.tag()) : image.names();
    var ref = new io.berth.image.transport.ImageRef(image.manifestDigest(), names);
    Path path = Path.of(t.location());
    switch (t.kind()) {
      case "dir" -> io.berth.image.transport.DirTransport.write(store, ref, path);
      case "oci" -> io.berth.image.transport.OciLayout.write(store, List.of(ref), path);
      case "oci-archive" -> io.berth.image.transport.OciArchive.write(store, List.of(ref), path);
      default -> io.berth.image.transport.DockerArchive.write(store, List.of(ref), path);
    }
  }

  private static void deleteTree(Path top) throws IOException {
    if (!java.nio.file.Files.exists(top)) {
      return;
    }
    try (var walk = java.nio.file.Files.walk(top)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (!java.nio.file.Files.isWritable(p.getParent())) {
          p.getParent().toFile().setWritable(true);
        }
        java.nio.file.Files.deleteIfExists(p);
      }
    }
  }

  int images(List<String> args) {
    String usage = "images [--format json] [--digests] [-q] [--filter dangling=true|false] [--filter reference=PATTERN]";
    Flags f = Flags.berth("images", args, Integer.MAX_VALUE);
    List<java.util.function.Predicate<ImageRecord>> filters = new ArrayList<>();
    String format = "table";
    boolean quiet = false;
    boolean digests = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--format" -> format = f.value(flag);
        case "--quiet", "-q" -> quiet = true;
        case "--digests" -> digests = true;
        case "--filter", "-f" -> filters.add(filter(f.value(flag)));
        default -> {
          if (Flags.isHelp(flag)) {
            out.println("usage: berth " + usage);
            return 0;
          }
          throw f.unknown(flag);
        }
      }
    }
    f.positionals(0, 0, usage);
    try (ImageDatabase db = db()) {
      List<ImageRecord> all = db.list().stream().filter(i -> filters.stream().allMatch(p -> p.test(i))).toList();
      if (quiet) {
        all.forEach(i -> out.println(shortId(i.id())));
        return 0;
      }
      if (format.equals("json")) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ImageRecord i : all) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("Id", hexOf(i.id()));
          m.put("Names", i.names());
          m.put("Digest", i.manifestDigest());
          m.put("Size", i.size());
          m.put("Created", i.created() == null ? null : i.created().toString());
          m.put("Architecture", i.architecture());
          m.put("Os", i.os());
          rows.add(m);
        }
        out.println(SpecJson.toPrettyString(rows));
        return 0;
      }
      String fmt = digests ? "%-45s %-12s %-73s %-14s %s%n" : "%-45s %-12s %-14s %s%n";
      if (digests) {
        out.printf(fmt, "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "SIZE");
      } else {
        out.printf(fmt, "REPOSITORY", "TAG", "IMAGE ID", "SIZE");
      }
      for (ImageRecord i : all) {
        List<String> names = i.names().isEmpty() ? List.of("<none>:<none>") : i.names();
        for (String n : names) {
          int colon = n.lastIndexOf(':');
          boolean tagged = colon > n.lastIndexOf('/');
          String repo = tagged ? n.substring(0, colon) : n;
          String tag = tagged ? n.substring(colon + 1) : "<none>";
          if (digests) {
            out.printf(fmt, repo, tag, i.manifestDigest(), shortId(i.id()), size(i.size()));
          } else {
            out.printf(fmt, repo, tag, shortId(i.id()), size(i.size()));
          }
        }
      }
      return 0;
    }
  }

  /** podman's image filters Berth knows: dangling=, reference= (glob on the repository:tag). */
  static java.util.function.Predicate<ImageRecord> filter(String spec) {
    int eq = spec.indexOf('=');
    if (eq < 0) {
      throw new Flags.UsageException("--filter takes KEY=VALUE, got \"" + spec + "\"");
    }
    String key = spec.substring(0, eq);
    String value = spec.substring(eq + 1);
    return switch (key) {
      case "dangling" -> {
        boolean want = Boolean.parseBoolean(value);
        yield i -> i.names().isEmpty() == want;
      }
      case "reference" -> {
        java.util.regex.Pattern glob = java.util.regex.Pattern.compile(
            value.replace(".", "\\.").replace("*", "[^/]*").replace("?", "."));
        yield i -> i.names().stream().anyMatch(n -> glob.matcher(n).matches()
            || glob.matcher(n.substring(n.indexOf('/') + 1)).matches()
            || glob.matcher(n.substring(n.lastIndexOf('/') + 1)).matches());
      }
      default -> throw new Flags.UsageException("unknown filter \"" + key + "\": dangling or reference");
    };
  }

  int tag(List<String> args) {
    Flags f = Flags.berth("tag", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    List<String> pos = f.positionals(2, 2, "tag IMAGE NAME");
    try (ImageDatabase db = db()) {
      db.tag(normalize(db, pos.get(0)), ImageReference.parse(pos.get(1)).toString());
    }
    return 0;
  }

  int rmi(List<String> args) throws IOException {
    String usage = "rmi [--force] IMAGE...";
    Flags f = Flags.berth("rmi", args, Integer.MAX_VALUE);
    boolean force = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--force", "-f" -> force = true;
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(1, -1, usage);
    try (ImageDatabase db = db()) {
      for (String name : pos) {
        String key = normalize(db, name);
        var found = db.resolve(key);
        if (found.isPresent() && found.get().names().contains(key) && found.get().names().size() > 1) {
          // A name of an image that has others: only the name goes, as with podman.
          db.untag(key);
          out.println("Untagged: " + key);
          continue;
        }
        ImageRecord removed = db.removeImage(key, force);
        for (String n : removed.names()) {
          out.println("Untagged: " + n);
        }
        out.println("Deleted: " + hexOf(removed.id()));
      }
      report(ImageGc.run(db, store(), snapshots()));
    }
    return 0;
  }

  int prune(List<String> args) throws IOException {
    Flags f = Flags.berth("image prune", args, Integer.MAX_VALUE);
    boolean all = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--force" -> f.bool(flag);
        case "-a", "--all" -> all = f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    f.positionals(0, 0, "[-a] [--force]");
    try (ImageDatabase db = db()) {
      for (String id : db.dangling()) {
        db.removeImage(id, false);
        out.println(hexOf(id));
      }
      if (all) {
        // every image no container uses; the database refuses those in use
        for (ImageRecord image : db.list()) {
          try {
            db.removeImage(image.id(), false);
            out.println(hexOf(image.id()));
          } catch (io.berth.image.meta.ImageInUseException e) {
            // kept: a container runs on it
          }
        }
      }
      report(ImageGc.run(db, store(), snapshots()));
    }
    return 0;
  }

  private void report(GcResult r) {
    for (String failure : r.failures()) {
      err.println("berth: warning: " + failure);
    }
  }

  /** The image a user named, or the one-line error that says how to find the right name. */
  private static ImageRecord find(ImageDatabase db, String name) {
    return db.resolve(normalize(db, name))
        .orElseThrow(() -> new io.berth.image.meta.ImageNotFoundException(
            "image \"" + name + "\" not found; check the name or run 'berth images'"));
  }

  /** A name as the user typed it ("busybox") becomes the stored full name, if it is one. */
  private static String normalize(ImageDatabase db, String nameOrId) {
    if (db.resolve(nameOrId).isPresent()) {
      return nameOrId;
    }
    try {
      String full = ImageReference.parse(nameOrId).toString();
      if (db.resolve(full).isPresent()) {
        return full;
      }
    } catch (RuntimeException e) {
      // Not a reference: leave it to the database's own error.
    }
    return nameOrId;
  }

  private static String hexOf(String digest) {
    int colon = digest.indexOf(':');
    return colon < 0 ? digest : digest.substring(colon + 1);
  }

  private static String shortId(String digest) {
    String hex = hexOf(digest);
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  private static String size(long bytes) {
    if (bytes < 1000) {
      return bytes + "B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = bytes;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.3g%s", v, units[u]);
  }
}
