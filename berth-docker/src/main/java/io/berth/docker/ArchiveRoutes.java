package io.berth.docker;

import io.berth.engine.Container;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * {@code docker cp}: {@code HEAD} (a path's stat, in the X-Docker-Container-Path-Stat header),
 * {@code GET} (a tar of the path, named by its last component) and {@code PUT} (a tar extracted
 * into a directory) on {@code /containers/{id}/archive?path=}. Paths resolve inside the
 * container's root as the container sees it (its volumes included when it runs); no entry of an
 * uploaded tar can land outside it.
 */
final class ArchiveRoutes {
  static final String STAT_HEADER = "X-Docker-Container-Path-Stat";

  private final DockerApi api;

  ArchiveRoutes(DockerApi api) {
    this.api = api;
  }

  void register(Router r) {
    r.add("HEAD", "/containers/{id}/archive", this::stat)
        .get("/containers/{id}/archive", this::get)
        .add("PUT", "/containers/{id}/archive", this::put);
  }

  private static String pathParam(Request r) {
    String p = r.query("path");
    if (p == null || p.isEmpty()) {
      throw HttpException.badRequest("path is required (the file or directory in the container)");
    }
    return p;
  }

  private HttpException notFound(String path, Container c) {
    return HttpException.notFound("Could not find the file " + path + " in container " + c.name());
  }

  private Response stat(Request r) {
    Container c = api.container(r.param("id"));
    String path = pathParam(r);
    String stat = api.engine.withRootfs(c.id(), root -> {
      Path p = io.berth.engine.ContainerPaths.resolve(root, path, false);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        throw notFound(path, c);
      }
      return statHeader(root, p, path);
    });
    return Response.status(200).header(STAT_HEADER, stat).header("Content-Type", "application/json");
  }

  private Response get(Request r) throws IOException {
    Container c = api.container(r.param("id"));
    String path = pathParam(r);
    Path tmpDir = api.engine.config().runRoot().resolve("x");
    Files.createDirectories(tmpDir);
    Path tar = Files.createTempFile(tmpDir, "cp", ".tar");
    String stat;
    try {
      stat = api.engine.withRootfs(c.id(), root -> {
        Path p = io.berth.engine.ContainerPaths.resolve(root, path, false);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          throw notFound(path, c);
        }
        // The name of the top entry: the path's last component ("." for DIR/., which means the contents).
        String base = path.endsWith("/.") || path.equals(".") ? "." : p.equals(root) ? "." : p.getFileName().toString();
        try (OutputStream out = Files.newOutputStream(tar)) {
          writeTar(p, base, out);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return statHeader(root, p, path);
      });
    } catch (RuntimeException e) {
      Files.deleteIfExists(tar);
      throw e;
    }
    return Response.stream(200, "application/x-tar", chunks -> {
      try (InputStream in = Files.newInputStream(tar)) {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
          chunks.write(java.util.Arrays.copyOf(buf, n));
        }
      } finally {
        Files.deleteIfExists(tar);
      }
    }).header(STAT_HEADER, stat);
  }

  private Response put(Request r) {
    Container c = api.container(r.param("id"));
    String path = pathParam(r);
    boolean noOverwriteDirNonDir = r.queryBool("noOverwriteDirNonDir", false);
    api.engine.withRootfs(c.id(), root -> {
      Path dir = io.berth.engine.ContainerPaths.resolve(root, path, true);
      if (!Files.exists(dir)) {
        throw notFound(path, c);
      }
      if (!Files.isDirectory(dir)) {
        throw HttpException.badRequest("extraction point is not a directory: " + path);
      }
      // Whatever its size: a large tar came spooled to a file by the server.
      try (InputStream body = r.bodyStream()) {
        extract(root, root.relativize(dir).toString(), body, noOverwriteDirNonDir);
      } catch (IOException e) {
        throw HttpException.badRequest("cannot extract the archive into " + path + ": " + e.getMessage());
      }
      return null;
    });
    return Response.status(200);
  }

  // ---- stat ----

  private static String statHeader(Path root, Path p, String asked) {
    try {
      Map<String, Object> s = new LinkedHashMap<>();
      String name = p.equals(root) ? "/" : p.getFileName().toString();
      s.put("name", name);
      s.put("size", Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : 0);
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      s.put("mode", goFileMode(mode));
      s.put("mtime", Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().toString());
      String link = "";
      if (Files.isSymbolicLink(p)) {
        // What the link leads to, as a path in the container.
        Path target = io.berth.engine.ContainerPaths.resolve(root, asked, true);
        link = "/" + root.relativize(target);
      }
      s.put("linkTarget", link);
      return Base64.getEncoder().encodeToString(io.berth.oci.SpecJson.toBytes(s));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Unix mode as Go's os.FileMode encodes it (type bits at the top), which the docker CLI decodes. */
  static long goFileMode(int unixMode) {
    long m = unixMode & 0777;
    switch (unixMode & 0170000) {
      case 0040000 -> m |= 1L << 31;
      case 0120000 -> m |= 1L << 27;
      case 0060000 -> m |= 1L << 26;
      case 0020000 -> m |= (1L << 26) | (1L << 21);
      case 0010000 -> m |= 1L << 25;
      case 0140000 -> m |= 1L << 24;
      default -> { }
    }
    if ((unixMode & 04000) != 0) {
      m |= 1L << 23;
    }
    if ((unixMode & 02000) != 0) {
      m |= 1L << 22;
    }
    if ((unixMode & 01000) != 0) {
      m |= 1L << 20;
    }
    return m;
  }

  // ---- tar out ----

  static void writeTar(Path top, String base, OutputStream out) throws IOException {
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      add(tar, top, base);
      tar.finish();
    }
  }

  private static void add(TarArchiveOutputStream tar, Path p, String name) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime,size,rdev", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    int type = mode & 0170000;
    TarArchiveEntry e;
    if (type == 0040000) {
      e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    } else if (type == 0120000) {
      e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(Files.readSymbolicLink(p).toString());
    } else if (type == 0100000) {
      e = new TarArchiveEntry(name);
      e.setSize((Long) a.get("size"));
    } else if (type == 0020000 || type == 0060000 || type == 0010000) {
      e = new TarArchiveEntry(name, type == 0020000 ? TarConstants.LF_CHR : type == 0060000 ? TarConstants.LF_BLK : TarConstants.LF_FIFO);
      long rdev = (Long) a.get("rdev");
      e.setDevMajor((int) ((rdev >>> 8) & 0xfff));
      e.setDevMinor((int) ((rdev & 0xff) | ((rdev >>> 12) & 0xfff00)));
    } else {
      return; // a socket: nothing a tar can carry
    }
    e.setMode(mode);
    e.setUserId((Integer) a.get("uid"));
    e.setGroupId((Integer) a.get("gid"));
    e.setModTime(((FileTime) a.get("lastModifiedTime")).toMillis());
    tar.putArchiveEntry(e);
    if (type == 0100000) {
      Files.copy(p, tar);
    }
    tar.closeArchiveEntry();
    if (type == 0040000) {
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
        s.forEach(children::add);
      }
      children.sort(null);
      String prefix = name.endsWith("/") ? name : name + "/";
      for (Path child : children) {
        add(tar, child, prefix + child.getFileName());
      }
    }
  }

  // ---- tar in ----

  /**
   * Extracts a tar (plain or gzip) into {@code dir} (relative to {@code root}). Each entry's path
   * is resolved inside the root, its parents created as needed.
   */
  static void extract(Path root, String dir, byte[] tarBytes, boolean noOverwriteDirNonDir) throws IOException {
    extract(root, dir, new ByteArrayInputStream(tarBytes), noOverwriteDirNonDir);
  }

  /** Unpacks a tar stream (gzip'd or not) into {@code dir} under {@code root}. */
  static void extract(Path root, String dir, InputStream tarStream, boolean noOverwriteDirNonDir) throws IOException {
    InputStream in = new BufferedInputStream(tarStream);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      in = new GZIPInputStream(in);
    }
    List<Object[]> dirTimes = new ArrayList<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName();
        if (name.isEmpty() || name.equals("./") || name.equals(".")) {
          continue;
        }
        Path target = io.berth.engine.ContainerPaths.resolve(root, dir + "/" + name, false);
        if (target.equals(root)) {
          continue;
        }
        Files.createDirectories(target.getParent());
        boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        boolean existingDir = Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS);
        if (e.isDirectory()) {
          if (exists && !existingDir) {
            if (noOverwriteDirNonDir) {
              throw new IOException("cannot overwrite non-directory " + name + " with a directory");
            }
            Files.delete(target);
          }
          if (!existingDir) {
            Files.createDirectory(target);
          }
          dirTimes.add(new Object[] {target, e.getModTime().toInstant()});
        } else {
          if (existingDir) {
            if (noOverwriteDirNonDir) {
              throw new IOException("cannot overwrite directory " + name + " with a non-directory");
            }
            deleteTree(target);
          } else if (exists) {
            Files.delete(target);
          }
          if (e.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
          } else if (e.isLink()) {
            Path source = io.berth.engine.ContainerPaths.resolve(root, dir + "/" + e.getLinkName(), false);
            Files.createLink(target, source);
            continue; // shares the other entry's metadata
          } else if (e.isFile()) {
            Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
          } else {
            continue; // devices and fifos: not made by docker cp here
          }
        }
        if (!e.isSymbolicLink()) {
          setMode(target, e.getMode());
          if (!e.isDirectory()) {
            Files.setLastModifiedTime(target, FileTime.from(e.getModTime().toInstant()));
          }
        }
        try {
          Files.setAttribute(target, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(target, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IOException x) {
          // ownership is best effort (the engine runs as root, so it normally works)
        }
      }
    }
    for (Object[] d : dirTimes.reversed()) {
      Files.setLastModifiedTime((Path) d[0], FileTime.from((Instant) d[1]));
    }
  }

  private static void setMode(Path p, int mode) throws IOException {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_READ};
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(order[i]);
      }
    }
    Files.setPosixFilePermissions(p, perms);
    if ((mode & 07000) != 0) {
      Files.setAttribute(p, "unix:mode", mode & 07777);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    } catch (NoSuchFileException | FileAlreadyExistsException e) {
      // gone already
    }
  }
}
