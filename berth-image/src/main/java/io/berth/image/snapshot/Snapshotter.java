package io.berth.image.snapshot;

import io.berth.image.layer.LayerException;
import io.berth.image.layer.LayerUnpacker;
import io.berth.image.spec.ChainId;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import io.berth.sys.Libc;
import io.berth.sys.SysException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Layers unpacked once per chain ID under {@code <root>/<alg>/<hex>}: the same layer stack
 * shared by many images is unpacked once, and a layer is published under its chain ID only
 * after its diff ID checked out. Concurrent prepares of one chain ID unpack it once (a lock per
 * chain ID, across threads and processes).
 */
public final class Snapshotter {
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  private final Path root;
  private final LayerUnpacker unpacker;

  public Snapshotter(Path root, LayerUnpacker unpacker) {
    this.root = root;
    this.unpacker = unpacker;
  }

  public Path root() {
    return root;
  }

  public Path path(Digest chainId) {
    return root.resolve(chainId.algorithm()).resolve(chainId.hex());
  }

  /**
   * Makes sure every layer of the image is unpacked; returns the lower directories in overlay
   * order (the top layer first).
   */
  public List<Path> prepare(ContentStore store, Manifest manifest, ImageConfig config) {
    List<Digest> diffIds = config.diffIds();
    List<Descriptor> layers = manifest.layers();
    if (diffIds.size() != layers.size()) {
      throw new SnapshotException(
          "the image config lists " + diffIds.size() + " layers, its manifest " + layers.size(), null);
    }
    List<Digest> chain = ChainId.chain(diffIds);
    List<Path> lowers = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      lowers.add(0, unpackOnce(store, layers.get(i), diffIds.get(i), chain.get(i)));
    }
    return lowers;
  }

  private Path unpackOnce(ContentStore store, Descriptor layer, Digest diffId, Digest chainId) {
    Path target = path(chainId);
    if (Files.isDirectory(target)) {
      return target;
    }
    ReentrantLock local = IN_PROCESS.computeIfAbsent(target, k -> new ReentrantLock());
    local.lock();
    try {
      Files.createDirectories(target.getParent());
      Path lockFile = target.resolveSibling("." + target.getFileName() + ".lock");
      try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock l = ch.lock()) {
        if (Files.isDirectory(target)) {
          return target; // another process unpacked it while we waited
        }
        try (InputStream in = store.open(layer.digest())) {
          unpacker.unpack(in, MediaTypes.compression(layer.mediaType()), target, diffId.toString());
        }
      }
      return target;
    } catch (LayerException e) {
      throw new SnapshotException("layer " + layer.digest() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new SnapshotException("layer " + layer.digest() + ": " + e, e);
    } finally {
      local.unlock();
    }
  }

  /**
   * Removes what a crash mid-unpack left: the hidden {@code .<hex>.unpacking-*} directories a
   * layer is unpacked into before its rename. Call it before any prepare runs (at start-up).
   */
  public int sweepPartial() {
    int removed = 0;
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (Stream<Path> algs = Files.list(root)) {
      for (Path alg : algs.filter(Files::isDirectory).toList()) {
        try (Stream<Path> entries = Files.list(alg)) {
          for (Path p : entries.toList()) {
            String name = p.getFileName().toString();
            if (name.startsWith(".") && name.contains(".unpacking-")) {
              deleteTree(p);
              removed++;
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("sweep " + root, e);
    }
    return removed;
  }

  private static void deleteTree(Path top) throws IOException {
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Removes the snapshot of a chain ID (no image may still use it). */
  public void remove(Digest chainId) {
    Path target = path(chainId);
    try {
      if (Files.exists(target)) {
        deleteTree(target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("remove snapshot " + target, e);
    }
  }

  /**
   * Mounts a container's root filesystem at {@code dir/rootfs}: an overlay of {@code lowers}
   * (top first) with {@code dir/upper} and {@code dir/work} its own. Returns the mount point.
   */
  public static Path mount(List<Path> lowers, Path dir) {
    try {
      Path upper = Files.createDirectories(dir.resolve("upper"));
      Path work = Files.createDirectories(dir.resolve("work"));
      Path merged = Files.createDirectories(dir.resolve("rootfs"));
      StringBuilder lower = new StringBuilder();
      for (Path p : lowers) {
        String s = p.toString();
        if (s.contains(",") || s.contains(":")) {
          throw new SnapshotException("a layer path holds ',' or ':', which overlay options cannot: " + s, null);
        }
        lower.append(lower.length() == 0 ? "" : ":").append(s);
      }
      String data = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work;
      if (data.length() >= 4096) {
        throw new SnapshotException("too many layers for one overlay mount (" + lowers.size() + ")", null);
      }
      Libc.mount("overlay", merged.toString(), "overlay", 0, data);
      return merged;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SysException e) {
      throw new SnapshotException("overlay mount on " + dir.resolve("rootfs") + ": " + e.getMessage(), e);
    }
  }

  public static void unmount(Path merged) {
    try {
      Libc.umount(merged.toString(), 2 /* MNT_DETACH */);
    } catch (SysException e) {
      if (e.errno() != io.berth.sys.Errno.EINVAL && e.errno() != io.berth.sys.Errno.ENOENT) {
        throw new SnapshotException("unmount " + merged + ": " + e.getMessage(), e);
      }
    }
  }
}
