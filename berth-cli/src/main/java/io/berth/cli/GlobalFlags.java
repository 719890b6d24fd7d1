package io.berth.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * The flags before a {@code berth} command: where the state lives, which registries.conf, which
 * daemon. Read the same way by the command itself and by the daemon's fast path, which must
 * decide whether a client's command line is one it can run.
 *
 * @param url the daemon to send the command to ({@code --url}, else {@code BERTH_HOST}), or null
 * @param help --help was given
 * @param rest the command and its arguments
 */
record GlobalFlags(Path root, Path runRoot, Path registriesConf, String url, boolean help, List<String> rest) {
  static final Path DEFAULT_ROOT = Path.of("/var/lib/berth");
  static final Path DEFAULT_RUN_ROOT = Path.of("/run/berth");

  /** @param url the daemon when no --url is given (BERTH_HOST), or null */
  static GlobalFlags parse(List<String> args, String url) {
    Path root = DEFAULT_ROOT;
    Path runRoot = DEFAULT_RUN_ROOT;
    Path registriesConf = null;
    Flags f = new Flags("", args, 1);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--root" -> root = Path.of(f.value(flag));
        case "--run-root" -> runRoot = Path.of(f.value(flag));
        case "--registries-conf" -> registriesConf = Path.of(f.value(flag));
        case "--url", "-H", "--host" -> url = f.value(flag);
        default -> {
          if (Flags.isHelp(flag)) {
            return new GlobalFlags(root, runRoot, registriesConf, url, true, List.of());
          }
          throw new Flags.UsageException("unknown global flag " + flag + " (see --help)");
        }
      }
    }
    return new GlobalFlags(root, runRoot, registriesConf, url, false, f.positionals());
  }
}
