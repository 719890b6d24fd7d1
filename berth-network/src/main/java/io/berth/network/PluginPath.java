package io.berth.network;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The CNI_PATH: the directories searched, in order, for a plugin's executable. */
public record PluginPath(List<Path> dirs) {
  /** Debian's containernetworking-plugins, then the upstream release's usual place. */
  public static final List<Path> DEFAULT_DIRS = List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));

  public PluginPath {
    dirs = List.copyOf(dirs);
  }

  public static PluginPath defaults() {
    return new PluginPath(DEFAULT_DIRS);
  }

  /** From a CNI_PATH-style string ("dir1:dir2"); empty or null gives the defaults. */
  public static PluginPath parse(String cniPath) {
    if (cniPath == null || cniPath.isBlank()) {
      return defaults();
    }
    List<Path> dirs = new ArrayList<>();
    for (String d : cniPath.split(":")) {
      if (!d.isEmpty()) {
        dirs.add(Path.of(d));
      }
    }
    return new PluginPath(dirs);
  }

  /** The value handed to plugins as CNI_PATH, so they can find their delegates (IPAM). */
  public String asEnv() {
    return String.join(":", dirs.stream().map(Path::toString).toList());
  }

  public Path find(String type) throws CniException {
    for (Path d : dirs) {
      Path p = d.resolve(type);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    throw new CniException(
        type, 0,
        "plugin \"" + type + "\" not found in CNI_PATH " + asEnv(),
        "install the plugin (Debian: apt-get install containernetworking-plugins) or add its directory to CNI_PATH");
  }
}
