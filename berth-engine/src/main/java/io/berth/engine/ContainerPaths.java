package io.berth.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths inside a container's root as the container resolves them: each symlink on the way is
 * read and followed within the root (an absolute target starts again at the root), and ".."
 * stops at the root, so no path, however crafted, leads outside it.
 */
public final class ContainerPaths {
  static final int MAX_LINKS = 40;

  private ContainerPaths() {}

  /**
   * {@code path} (absolute, or relative to the root) inside {@code root}; the last component is
   * followed only when {@code followLast}.
   */
  public static Path resolve(Path root, String path, boolean followLast) {
    Deque<String> todo = new ArrayDeque<>();
    for (String c : path.split("/")) {
      if (!c.isEmpty()) {
        todo.addLast(c);
      }
    }
    Deque<String> done = new ArrayDeque<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.removeFirst();
      if (c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (!done.isEmpty()) {
          done.removeLast();
        }
        continue;
      }
      Path here = join(root, done).resolve(c);
      boolean last = todo.isEmpty();
      if ((!last || followLast) && Files.isSymbolicLink(here)) {
        if (++links > MAX_LINKS) {
          throw new IllegalArgumentException("too many levels of symbolic links in " + path);
        }
        String target;
        try {
          target = Files.readSymbolicLink(here).toString();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        if (target.startsWith("/")) {
          done.clear();
        }
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          if (!parts[i].isEmpty()) {
            todo.addFirst(parts[i]);
          }
        }
        continue;
      }
      done.addLast(c);
    }
    return join(root, done);
  }

  private static Path join(Path root, Deque<String> parts) {
    Path p = root;
    for (String s : parts) {
      p = p.resolve(s);
    }
    return p;
  }
}
