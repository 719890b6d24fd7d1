package io.berth.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves Docker's {@code --user} ({@code name|uid[:group|gid]}) against the image's
 * /etc/passwd and /etc/group, as Docker does: numeric IDs need no entry, names must have one, and
 * the user's supplementary groups come from /etc/group. The files belong to the image, so a
 * symlink on the way is not followed (it could point at the host's files).
 */
final class UserLookup {
  record Ids(long uid, long gid, List<Long> additionalGids, String home) {}

  private UserLookup() {}

  static Ids resolve(Path rootfs, String user) {
    String spec = user == null || user.isEmpty() ? "0" : user;
    String userPart = spec;
    String groupPart = null;
    int colon = spec.indexOf(':');
    if (colon >= 0) {
      userPart = spec.substring(0, colon);
      groupPart = spec.substring(colon + 1);
    }
    List<String[]> passwd = read(rootfs, "passwd");
    List<String[]> group = read(rootfs, "group");
    long uid;
    long gid = 0;
    String name = null;
    String home = "/";
    String[] entry = null;
    if (userPart.matches("\\d+")) {
      uid = Long.parseLong(userPart);
      for (String[] p : passwd) {
        if (p.length >= 4 && p[2].equals(userPart)) {
          entry = p;
          break;
        }
      }
    } else {
      for (String[] p : passwd) {
        if (p.length >= 4 && p[0].equals(userPart)) {
          entry = p;
          break;
        }
      }
      if (entry == null) {
        throw new EngineException("unable to find user " + userPart + ": no matching entries in passwd file");
      }
      uid = parseId(entry[2], "uid of " + userPart);
    }
    if (entry != null) {
      name = entry[0];
      gid = parseId(entry[3], "gid of " + entry[0]);
      home = entry.length > 5 && !entry[5].isEmpty() ? entry[5] : "/";
    }
    if (groupPart != null && !groupPart.isEmpty()) {
      if (groupPart.matches("\\d+")) {
        gid = Long.parseLong(groupPart);
      } else {
        String wanted = groupPart;
        String[] g = group.stream().filter(e -> e.length >= 3 && e[0].equals(wanted)).findFirst().orElse(null);
        if (g == null) {
          throw new EngineException("unable to find group " + groupPart + ": no matching entries in group file");
        }
        gid = parseId(g[2], "gid of group " + groupPart);
      }
    }
    List<Long> extra = new ArrayList<>();
    if (name != null && groupPart == null) {
      for (String[] g : group) {
        if (g.length >= 4 && List.of(g[3].split(",")).contains(name)) {
          long id = parseId(g[2], "gid of group " + g[0]);
          if (id != gid && !extra.contains(id)) {
            extra.add(id);
          }
        }
      }
    }
    return new Ids(uid, gid, extra, home);
  }

  private static long parseId(String s, String what) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new EngineException("the image's " + what + " is not a number: \"" + s + "\"");
    }
  }

  private static List<String[]> read(Path rootfs, String file) {
    Path etc = rootfs.resolve("etc");
    Path p = etc.resolve(file);
    if (Files.isSymbolicLink(etc) || Files.isSymbolicLink(p) || !Files.isRegularFile(p)) {
      return List.of();
    }
    try {
      List<String[]> out = new ArrayList<>();
      for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
        if (!line.isBlank() && !line.startsWith("#")) {
          out.add(line.split(":", -1));
        }
      }
      return out;
    } catch (IOException e) {
      return List.of();
    }
  }
}
