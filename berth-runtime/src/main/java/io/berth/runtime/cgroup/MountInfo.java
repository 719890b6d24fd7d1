package io.berth.runtime.cgroup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Finds the cgroup hierarchies in the text of /proc/self/mountinfo (proc(5)). */
final class MountInfo {
  /** Super-block options of a v1 cgroup mount that are not controller names. */
  private static final Set<String> V1_OPTIONS =
      Set.of(
          "rw",
          "ro",
          "xattr",
          "noprefix",
          "clone_children",
          "cpuset_v2_mode",
          "favordynmods",
          "all",
          "none");

  private MountInfo() {}

  /**
   * The cgroup mounts, in mount order, with {@code prefix} (a fake root in tests, "" on the host)
   * put in front of each mount point. When a hierarchy is mounted more than once (bind mounts, a
   * container's view) the first mount wins, as the others show the same cgroups.
   */
  static List<CgroupMount> parse(String mountinfo, String prefix) {
    List<CgroupMount> mounts = new ArrayList<>();
    Set<Set<String>> seenV1 = new HashSet<>();
    boolean seenUnified = false;
    String[] lines = mountinfo.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (shadowed(lines, i)) {
        // Something was mounted over it later (cgroup2 on /sys/fs/cgroup over a v1 layout):
        // its files are out of reach.
        continue;
      }
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] pre = line.substring(0, dash).split(" ");
      String[] post = line.substring(dash + 3).split(" ");
      if (pre.length < 5 || post.length < 3) {
        continue;
      }
      String fsType = post[0];
      String root = unescape(pre[3]);
      String mountPoint = prefix + unescape(pre[4]);
      if (fsType.equals("cgroup2")) {
        if (!seenUnified) {
          seenUnified = true;
          mounts.add(new CgroupMount(mountPoint, root, List.of(), true));
        }
      } else if (fsType.equals("cgroup")) {
        List<String> controllers =
            Arrays.stream(post[2].split(","))
                .filter(o -> o.startsWith("name=") || (!o.contains("=") && !V1_OPTIONS.contains(o)))
                .toList();
        if (!controllers.isEmpty() && seenV1.add(Set.copyOf(controllers))) {
          mounts.add(new CgroupMount(mountPoint, root, controllers, false));
        }
      }
    }
    return mounts;
  }

  /** Whether a later mount covers line i's mount point (at it or at one of its parents). */
  private static boolean shadowed(String[] lines, int i) {
    String mine = mountPoint(lines[i]);
    if (mine == null) {
      return false;
    }
    for (int j = i + 1; j < lines.length; j++) {
      String later = mountPoint(lines[j]);
      if (later != null
          && (mine.equals(later) || mine.startsWith(later.endsWith("/") ? later : later + "/"))) {
        return true;
      }
    }
    return false;
  }

  private static String mountPoint(String line) {
    int dash = line.indexOf(" - ");
    if (dash < 0) {
      return null;
    }
    String[] pre = line.substring(0, dash).split(" ");
    return pre.length < 5 ? null : unescape(pre[4]);
  }

  /** Undoes the octal escapes (\040 for space and so on) the kernel uses in mountinfo. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
