package io.berth.cli;

import io.berth.image.meta.ImageDatabaseException;
import io.berth.image.meta.ImageInUseException;
import io.berth.image.meta.ImageNotFoundException;
import io.berth.image.pull.PullException;
import io.berth.image.registry.RegistryException;
import io.berth.image.snapshot.SnapshotException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code berth}: the engine's command line, podman's names and flags. Images so far (issue 3);
 * containers come with the manager (issue 4).
 */
public final class BerthCli {
  static final String HELP =
      """
      berth: a container engine (images so far; containers come with the manager)

      usage: berth [--root DIR] [--registries-conf FILE] COMMAND ...

      commands:
        pull         pull an image from a registry
        push         push an image to a registry
        import       make an image of a root filesystem tarball
        save         write images to a docker-archive, oci-archive or OCI layout
        load         read images from one
        login        store credentials for a registry (podman's auth.json)
        logout       remove them
        image inspect  show an image's details as JSON
        image copy   copy an image between docker://, oci:, oci-archive: and docker-archive:
        images       list images
        tag          add a name to an image
        rmi          remove images (and what nothing else uses)
        image prune  remove images without names
      """;

  private BerthCli() {}

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Exit codes as podman's: 0 ok, 125 an error of berth's, 2 a usage error. */
  public static int execute(String... args) {
    Path root = Path.of("/var/lib/berth");
    Path registriesConf = null;
    Flags f = new Flags("", List.of(args), 1);
    try {
      for (String flag = f.next(); flag != null; flag = f.next()) {
        switch (flag) {
          case "--root" -> root = Path.of(f.value(flag));
          case "--run-root" -> f.value(flag);
          case "--registries-conf" -> registriesConf = Path.of(f.value(flag));
          default -> {
            if (Flags.isHelp(flag)) {
              System.out.print(HELP);
              return 0;
            }
            throw new Flags.UsageException("unknown global flag " + flag + " (see --help)");
          }
        }
      }
      List<String> rest = f.positionals();
      if (rest.isEmpty()) {
        System.out.print(HELP);
        return 0;
      }
      ImageCommands images = new ImageCommands(root, System.out, System.err, registries(registriesConf));
      List<String> argv = rest.subList(1, rest.size());
      return switch (rest.get(0)) {
        case "pull" -> images.pull(argv);
        case "push" -> images.push(argv);
        case "login" -> images.login(argv, System.in);
        case "import" -> images.importTarball(argv);
        case "save" -> images.save(argv);
        case "load" -> images.load(argv);
        case "logout" -> images.logout(argv);
        case "images" -> images.images(argv);
        case "tag" -> images.tag(argv);
        case "rmi" -> images.rmi(argv);
        case "image" -> image(images, argv);
        default -> throw new Flags.UsageException("unknown command \"" + rest.get(0) + "\" (see --help)");
      };
    } catch (Flags.UsageException e) {
      System.err.println("berth: " + e.getMessage());
      return 2;
    } catch (PullException | RegistryException | SnapshotException | ImageNotFoundException
        | ImageInUseException | ImageDatabaseException | IllegalArgumentException
        | io.berth.image.push.PushException | io.berth.image.transport.TransportException
        | io.berth.image.registry.RegistriesConf.InvalidConfigException e) {
      System.err.println("berth: " + e.getMessage());
      return 125;
    } catch (Exception e) {
      String msg = RuntimeCli.describe(e);
      if (msg == null) {
        e.printStackTrace();
        return 125;
      }
      System.err.println("berth: " + msg);
      return 125;
    }
  }

  /** --registries-conf, else /etc/berth/registries.conf, else the containers one (podman's). */
  private static io.berth.image.registry.RegistriesConf registries(Path given) {
    if (given != null) {
      return io.berth.image.registry.RegistriesConf.load(given);
    }
    for (String p : List.of("/etc/berth/registries.conf", "/etc/containers/registries.conf")) {
      if (java.nio.file.Files.isRegularFile(Path.of(p))) {
        return io.berth.image.registry.RegistriesConf.load(Path.of(p));
      }
    }
    return io.berth.image.registry.RegistriesConf.empty();
  }

  private static int image(ImageCommands images, List<String> argv) throws Exception {
    if (argv.isEmpty()) {
      throw new Flags.UsageException("usage: berth image prune|ls|rm|pull ...");
    }
    List<String> rest = argv.subList(1, argv.size());
    return switch (argv.get(0)) {
      case "prune" -> images.prune(rest);
      case "ls", "list" -> images.images(rest);
      case "rm" -> images.rmi(rest);
      case "pull" -> images.pull(rest);
      case "tag" -> images.tag(rest);
      case "inspect" -> images.inspect(rest);
      case "copy" -> images.copy(rest);
      case "push" -> images.push(rest);
      default -> throw new Flags.UsageException("unknown command \"image " + argv.get(0) + "\"");
    };
  }
}
