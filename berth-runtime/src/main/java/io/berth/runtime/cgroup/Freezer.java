package io.berth.runtime.cgroup;

import java.time.Duration;

/** Stops and resumes all tasks of a cgroup; the v1 and v2 freezers have different files. */
sealed interface Freezer permits V1Freezer, V2Freezer {
  /** Tasks in uninterruptible sleep (e.g. on NFS) can delay freezing; beyond this we give up. */
  Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  void freeze();

  void thaw();

  boolean isFrozen();
}
