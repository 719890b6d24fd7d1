package io.berth.runtime.cgroup;

import java.nio.file.Path;
import java.time.Duration;

/** The cgroup2 freezer: write cgroup.freeze, then cgroup.events reports "frozen 1" once done. */
record V2Freezer(Path dir, Duration timeout) implements Freezer {
  @Override
  public void freeze() {
    ControlFiles.write(dir.resolve("cgroup.freeze"), "1");
    if (!Polling.until(this::isFrozen, timeout, () -> {})) {
      ControlFiles.write(dir.resolve("cgroup.freeze"), "0");
      throw new CgroupException(
          "cannot freeze "
              + dir
              + ": cgroup.events did not report \"frozen 1\" within "
              + timeout.toMillis()
              + " ms; the cgroup was thawed again");
    }
  }

  @Override
  public void thaw() {
    ControlFiles.write(dir.resolve("cgroup.freeze"), "0");
    if (!Polling.until(() -> !isFrozen(), timeout, () -> {})) {
      throw new CgroupException(
          "cannot thaw " + dir + ": cgroup.events still reports \"frozen 1\"");
    }
  }

  @Override
  public boolean isFrozen() {
    Long frozen = ControlFiles.readKeyed(dir.resolve("cgroup.events"), "frozen");
    return frozen != null && frozen == 1;
  }
}
