package io.berth.cli;

import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * {@code berth cp}: files between a container and the host, either way ({@code CONTAINER:PATH}
 * on one side). Paths in the container are resolved inside its root as the container would
 * resolve them: a symlink, absolute or relative, never leads outside the root.
 */
final class CopyCommand {
  private final Engine engine;

  CopyCommand(Engine engine) {
    this.engine = engine;
  }

  int run(List<String> args) {
    Flags f = Flags.berth("cp", args, Integer.MAX_VALUE).combining("aL");
    boolean follow = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-a", "--archive" -> f.bool(flag);
        case "-L", "--follow-link" -> follow = f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(2, 2, "[-L] CONTAINER:SRC HOST_DEST | HOST_SRC CONTAINER:DEST");
    String src = pos.get(0);
    String dst = pos.get(1);
    int sc = containerSide(src);
    int dc = containerSide(dst);
    if ((sc < 0) == (dc < 0)) {
      throw new Flags.UsageException("cp: exactly one of SRC and DEST must be CONTAINER:PATH");
    }
    boolean followLast = follow;
    if (sc >= 0) {
      String container = src.substring(0, sc);
      String path = src.substring(sc + 1);
      engine.withRootfs(container, root -> {
        Path from = inRoot(root, path, followLast);
        if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
          throw new EngineException("cp: " + path + ": no such file or directory in container " + container);
        }
        copy(from, Path.of(dst));
        return null;
      });
    } else {
      String container = dst.substring(0, dc);
      String path = dst.substring(dc + 1);
      Path from = Path.of(src);
      if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
        throw new EngineException("cp: " + src + ": no such file or directory");
      }
      engine.withRootfs(container, root -> {
        copy(from, inRoot(root, path, true));
        return null;
      });
    }
    return 0;
  }

  /** Index of the colon of CONTAINER:PATH, or -1 for a host path (absolute or starting with . ). */
  private static int containerSide(String s) {
    if (s.startsWith("/") || s.startsWith(".")) {
      return -1;
    }
    int colon = s.indexOf(':');
    return colon > 0 ? colon : -1;
  }

  /**
   * {@code path} inside {@code root}, each symlink on the way resolved against root (at most 40),
   * ".." stopping at root; the last component followed only when {@code followLast}.
   */
  static Path inRoot(Path root, String path, boolean followLast) {
    try {
      return io.berth.engine.ContainerPaths.resolve(root, path, followLast);
    } catch (IllegalArgumentException e) {
      throw new EngineException("cp: " + e.getMessage());
    }
  }

  /** docker cp's rule: into an existing directory under the source's name, else to the name given. */
  private static void copy(Path from, Path to) {
    try {
      Path target = Files.isDirectory(to) ? to.resolve(from.getFileName().toString()) : to;
      if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
        throw new EngineException("cp: " + target.getParent() + ": no such directory");
      }
      if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
        Files.copy(from, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES,
            LinkOption.NOFOLLOW_LINKS);
        return;
      }
      Files.walkFileTree(from, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          Path d = target.resolve(from.relativize(dir).toString());
          try {
            Files.copy(dir, d, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
          } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
              throw e;
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.copy(file, target.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING,
              StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new EngineException("cp: " + e.getMessage(), e);
    }
  }
}
