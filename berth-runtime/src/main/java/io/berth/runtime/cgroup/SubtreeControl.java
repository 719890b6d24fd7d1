package io.berth.runtime.cgroup;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * In cgroup2 a controller's files appear in a cgroup only when every ancestor lists the controller
 * in cgroup.subtree_control; this turns them on from the hierarchy root down.
 */
final class SubtreeControl {
  private static final System.Logger LOG = System.getLogger(SubtreeControl.class.getName());

  private SubtreeControl() {}

  /**
   * Enables every available controller in each ancestor of {@code leaf}. All of them, not only
   * those the current resources need, so that later updates, stats and {@code unified} entries find
   * their files. A controller the kernel refuses (e.g. EBUSY because an ancestor holds processes)
   * is skipped: writing a setting of that controller then fails and names the file.
   */
  static void enableAbove(Path leaf) {
    Deque<Path> ancestors = new ArrayDeque<>();
    for (Path p = leaf.getParent();
        p != null && Files.exists(p.resolve("cgroup.controllers"));
        p = p.getParent()) {
      ancestors.push(p);
    }
    for (Path dir : ancestors) {
      Set<String> missing = words(ControlFiles.read(dir.resolve("cgroup.controllers")));
      missing.removeAll(words(ControlFiles.read(dir.resolve("cgroup.subtree_control"))));
      if (missing.isEmpty()) {
        continue;
      }
      Path control = dir.resolve("cgroup.subtree_control");
      try {
        ControlFiles.write(control, "+" + String.join(" +", missing));
      } catch (CgroupException all) {
        for (String c : missing) {
          try {
            ControlFiles.write(control, "+" + c);
          } catch (CgroupException one) {
            LOG.log(Level.DEBUG, "controller {0} stays off in {1}: {2}", c, dir, one.getMessage());
          }
        }
      }
    }
  }

  private static Set<String> words(String s) {
    Set<String> out = new LinkedHashSet<>();
    if (!s.isBlank()) {
      out.addAll(Arrays.asList(s.trim().split("\\s+")));
    }
    return out;
  }
}
