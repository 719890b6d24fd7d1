package io.berth.image.layer;

import io.berth.image.spec.Compression;

import io.berth.sys.Libc;
import io.berth.sys.SysException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Unpacks one image layer (a tar, plain or compressed) into a new directory laid out as an
 * overlayfs lower layer: OCI whiteouts become overlayfs whiteouts and opaque directories.
 *
 * <p>The layer is written into a sibling temporary directory and renamed to the target only when
 * every member has been applied and the stream has ended cleanly; on any failure the temporary
 * directory is removed, so the target either holds the whole layer or does not exist. The diffId
 * is computed in the same pass. Instances hold no state between calls and may be shared.
 */
public final class LayerUnpacker {
  /**
   * @param privileged apply the archive's ownership and create device nodes (both need root).
   *     When false, everything belongs to the caller and device nodes are skipped.
   * @param sync flush the filesystem (syncfs) before publishing, so that a crash can never leave
   *     a published layer with contents still unwritten
   */
  public record Options(boolean privileged, boolean sync) {
    /** Privileged when running as root; synced. */
    public static Options defaults() {
      return new Options(Syscalls.geteuid() == 0, true);
    }
  }

  /** Made on first unpack: its providers' set-up is milliseconds a container's start need not pay. */
  private static final class Random {
    static final SecureRandom RANDOM = new SecureRandom();
  }

  private final Options options;

  public LayerUnpacker() {
    this(Options.defaults());
  }

  public LayerUnpacker(Options options) {
    this.options = options;
  }

  /** Unpacks a layer whose compression is read from its first bytes. */
  public UnpackResult unpack(InputStream layer, Path target) {
    BufferedInputStream in = new BufferedInputStream(layer, 1 << 16);
    in.mark(Compression.MAGIC_LENGTH);
    try {
      byte[] magic = in.readNBytes(Compression.MAGIC_LENGTH);
      in.reset();
      return unpack(in, Compression.detect(magic), target);
    } catch (IOException e) {
      throw new LayerException("cannot read the layer for " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Unpacks {@code layer} into {@code target}, which must not exist; its parent must. The stream
   * is read to its end but not closed.
   *
   * @throws LayerException if the layer is corrupt or truncated, tries to write outside its
   *     directory, or cannot be written; nothing of it is left on disk then
   */
  public UnpackResult unpack(InputStream layer, Compression compression, Path target) {
    return unpack(layer, compression, target, null);
  }

  /**
   * As {@link #unpack(InputStream, Compression, Path)}, and publishes the layer only if its
   * diffId is {@code expectedDiffId} (as the image config lists it): a layer that is not the one
   * the image names is never visible under the target, not even briefly.
   */
  public UnpackResult unpack(InputStream layer, Compression compression, Path target, String expectedDiffId) {
    Path dest = target.toAbsolutePath().normalize();
    Path parent = dest.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new LayerException("cannot unpack a layer into " + target + ": its parent directory does not exist");
    }
    if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
      throw new LayerException("cannot unpack a layer into " + target + ": it already exists");
    }
    Path temp = parent.resolve("." + dest.getFileName() + ".unpacking-" + HexFormat.of().toHexDigits(Random.RANDOM.nextInt()));
    try {
      Files.createDirectory(temp);
    } catch (IOException e) {
      throw new LayerException("cannot unpack a layer into " + target + ": " + e, e);
    }
    boolean published = false;
    try {
      UnpackResult result = unpackInto(layer, compression, temp, target);
      if (expectedDiffId != null && !expectedDiffId.equals(result.diffId())) {
        throw new LayerException("layer for " + target + " has diffId " + result.diffId()
            + " but the image expects " + expectedDiffId + ": refused");
      }
      try {
        Syscalls.renameNoReplace(temp.toString(), dest.toString());
      } catch (SysException e) {
        throw new LayerException("cannot publish the layer at " + target + ": " + e.getMessage()
            + (e.errno() == Syscalls.EEXIST ? " (it appeared while the layer was unpacked)" : ""), e);
      }
      published = true;
      return result;
    } finally {
      if (!published) {
        removeQuietly(temp);
      }
    }
  }

  private UnpackResult unpackInto(InputStream layer, Compression compression, Path temp, Path target) {
    int root = Libc.open(temp.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
    // The caller owns its stream; only the decompressor (which holds native memory) is closed.
    InputStream source = new FilterInputStream(layer) {
      @Override
      public void close() {}
    };
    try (InputStream decompressed = Decompressor.open(compression, source);
        LayerWriter writer = new LayerWriter(root, options.privileged())) {
      Syscalls.fchmod(root, ParentDirectories.IMPLIED_MODE); // unless the layer lists "./"
      HashingInputStream hashed = new HashingInputStream(new BufferedInputStream(decompressed, 1 << 17));
      int entries = applyAll(new TarReader(hashed), writer, compression);
      writer.finish();
      if (options.sync()) {
        Syscalls.syncfs(root);
      }
      return new UnpackResult(hashed.digest(), hashed.count(), entries);
    } catch (IOException e) {
      throw truncated(compression, e, null);
    } catch (SysException e) {
      throw new LayerException("cannot unpack a layer into " + target + ": " + e.getMessage(), e);
    } finally {
      Libc.closeQuietly(root);
    }
  }

  /** Applies every member, then reads the stream to its end; returns the member count. */
  private static int applyAll(TarReader tar, LayerWriter writer, Compression compression) {
    TarEntry last = null;
    int entries = 0;
    try {
      for (TarEntry e; (e = tar.next()) != null; entries++) {
        last = e;
        writer.apply(e, tar);
      }
      tar.drain();
      return entries;
    } catch (IOException e) {
      throw truncated(compression, e, last);
    }
  }

  private static LayerException truncated(Compression c, IOException e, TarEntry last) {
    String label = c == Compression.NONE ? "tar" : c.name().toLowerCase(java.util.Locale.ROOT);
    return new LayerException("layer is truncated or corrupt: " + label + ": " + describe(e)
        + (last == null ? "" : " (at or after entry \"" + last + "\")"), e);
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (m != null && !m.isBlank()) {
      return m;
    }
    return e instanceof java.io.EOFException ? "unexpected end of data" : e.getClass().getSimpleName();
  }

  private static void removeQuietly(Path temp) {
    try {
      int fd = Libc.open(temp.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
      try {
        TreeRemover.removeContents(fd);
      } finally {
        Libc.closeQuietly(fd);
      }
      Files.delete(temp);
    } catch (SysException | IOException | UncheckedIOException e) {
      // The original failure is what the caller needs; a leftover temp dir is named as such.
      System.getLogger(LayerUnpacker.class.getName())
          .log(System.Logger.Level.WARNING, "could not remove " + temp + ": " + e.getMessage());
    }
  }
}
