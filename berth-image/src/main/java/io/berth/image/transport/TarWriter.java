package io.berth.image.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.attribute.FileTime;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Writes archive members with fixed owner, mode and time, so that equal images give equal archives. */
final class TarWriter implements Closeable {
  private static final FileTime EPOCH = FileTime.fromMillis(0);
  private final TarArchiveOutputStream tar;

  TarWriter(OutputStream out) {
    tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  void directory(String name) throws IOException {
    TarArchiveEntry entry = entry(name.endsWith("/") ? name : name + "/");
    entry.setMode(040755);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  void file(String name, byte[] content) throws IOException {
    file(name, content.length, new java.io.ByteArrayInputStream(content));
  }

  /** A member of exactly {@code size} bytes; a stream that is shorter or longer is an error. */
  void file(String name, long size, InputStream content) throws IOException {
    TarArchiveEntry entry = entry(name);
    entry.setMode(0100644);
    entry.setSize(size);
    tar.putArchiveEntry(entry);
    long copied = content.transferTo(tar);
    if (copied != size) {
      throw new IOException(name + ": expected " + size + " bytes, got " + copied);
    }
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setIds(0, 0);
    entry.setModTime(EPOCH);
    return entry;
  }

  /** Writes the end-of-archive blocks without closing the stream underneath. */
  void finish() throws IOException {
    tar.finish();
    tar.flush();
  }

  @Override
  public void close() throws IOException {
    tar.finish();
    tar.close();
  }
}
