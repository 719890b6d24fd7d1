package io.berth.runtime.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A directory tree standing in for /sys/fs/cgroup: control files are plain files made up front. */
final class FakeCgroupFs {
  final Path root;

  FakeCgroupFs(Path root) {
    this.root = root;
  }

  /** Creates {@code dir} (a host path such as /sys/fs/cgroup/x) with empty files of these names. */
  Path dir(String dir, String... files) {
    Path d = path(dir);
    try {
      Files.createDirectories(d);
      for (String f : files) {
        Files.writeString(d.resolve(f), "");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return d;
  }

  void put(String file, String content) {
    try {
      Files.createDirectories(path(file).getParent());
      Files.writeString(path(file), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String read(String file) {
    try {
      return Files.readString(path(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path path(String hostPath) {
    return Path.of(root + hostPath);
  }

  CgroupHost host(String mountinfo, String procSelfCgroup) {
    return new CgroupHost(mountinfo, procSelfCgroup, root.toString());
  }
}
