package io.berth.runtime.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Collects the pids listed in cgroup.procs of a cgroup and all its descendants. */
final class ProcessList {
  private ProcessList() {}

  static List<Integer> pidsBelow(Path dir) {
    TreeSet<Integer> pids = new TreeSet<>();
    try (Stream<Path> dirs = Files.walk(dir)) {
      for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        String procs = ControlFiles.readIfPresent(d.resolve("cgroup.procs"));
        if (procs == null || procs.isEmpty()) {
          continue;
        }
        for (String line : procs.split("\n")) {
          pids.add(Integer.parseInt(line.trim()));
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (UncheckedIOException e) {
      // a child cgroup vanished while we walked: list again
      if (e.getCause() instanceof NoSuchFileException) {
        return pidsBelow(dir);
      }
      throw new CgroupException("cannot list " + dir + ": " + ControlFiles.reason(e.getCause()), e);
    } catch (IOException e) {
      throw new CgroupException("cannot list " + dir + ": " + ControlFiles.reason(e), e);
    }
    return List.copyOf(pids);
  }
}
