package io.berth.runtime.cgroup;

import java.nio.file.Path;
import java.time.Duration;

/** The v1 freezer: freezer.state goes THAWED → FREEZING → FROZEN. */
record V1Freezer(Path dir, Duration timeout) implements Freezer {
  @Override
  public void freeze() {
    Path state = dir.resolve("freezer.state");
    ControlFiles.write(state, "FROZEN");
    if (!Polling.until(this::isFrozen, timeout, () -> ControlFiles.write(state, "FROZEN"))) {
      // a half-frozen container is worse than a running one
      ControlFiles.write(state, "THAWED");
      throw new CgroupException(
          "cannot freeze "
              + dir
              + ": freezer.state did not reach FROZEN within "
              + timeout.toMillis()
              + " ms (tasks stuck in uninterruptible sleep?); the cgroup was thawed again");
    }
  }

  @Override
  public void thaw() {
    Path state = dir.resolve("freezer.state");
    ControlFiles.write(state, "THAWED");
    if (!Polling.until(() -> ControlFiles.read(state).equals("THAWED"), timeout, () -> {})) {
      throw new CgroupException("cannot thaw " + dir + ": freezer.state did not reach THAWED");
    }
  }

  @Override
  public boolean isFrozen() {
    return ControlFiles.read(dir.resolve("freezer.state")).equals("FROZEN");
  }
}
