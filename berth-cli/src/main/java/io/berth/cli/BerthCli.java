package io.berth.cli;

import io.berth.image.meta.ImageDatabaseException;
import io.berth.image.meta.ImageInUseException;
import io.berth.image.meta.ImageNotFoundException;
import io.berth.image.pull.PullException;
import io.berth.image.registry.RegistryException;
import io.berth.image.snapshot.SnapshotException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code berth}: the engine's command line, podman's names and flags. Images so far (issue 3);
 * containers come with the manager (issue 4).
 */
public final class BerthCli {
  static final String HELP =
      """
      berth: a container engine

      usage: berth [--root DIR] [--run-root DIR] [--registries-conf FILE] [--url unix:///SOCKET] COMMAND ...

      With --url (or BERTH_HOST), the container commands go to a Berth daemon (berth serve);
      without, they run in this process.

      containers:
        run          create and start a container (-d, -i, -t, --rm, --name, -e, -v, ...)
        create       create a container without starting it
        start        start containers (-a to attach)
        stop         stop containers (-t SECONDS before SIGKILL)
        restart      stop and start containers
        kill         send a signal to containers (-s SIGNAL)
        rm           remove containers (-f running ones, -v their anonymous volumes)
        ps           list containers (-a, -q, --format, --filter)
        logs         show a container's output (-f, --tail, --since, -t)
        exec         run a command in a running container (-i, -t, -d, -e, -u, -w)
        attach       attach this terminal to a running container
        wait         wait for containers to exit and print their exit codes
        inspect      show containers or images as JSON (--format TEMPLATE)
        top          show a container's processes
        pause        freeze containers
        unpause      thaw them
        rename       give a container a new name
        volume       create, ls, inspect, rm, prune named volumes
        cp           copy files between a container and the host
        stats        show containers' CPU, memory and pids (--no-stream)
        events       show events (--since, --until, --filter, --stream=false)
        healthcheck run  run a container's health check once
        port         show a container's published ports
        system       info, df, prune

      daemon:
        serve        serve the Berth API on a unix socket (--socket PATH, default <run-root>/berth.sock)
                     and Docker's Engine API (--docker-socket PATH|none, default <run-root>/docker.sock);
                     restarts containers by their policies and runs their health checks

      images:
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
    try {
      GlobalFlags g = GlobalFlags.parse(List.of(args), System.getenv("BERTH_HOST"));
      List<String> rest = g.rest();
      if (g.help() || rest.isEmpty()) {
        System.out.print(HELP);
        return 0;
      }
      Path root = g.root();
      Path runRoot = g.runRoot();
      Path registriesConf = g.registriesConf();
      String url = g.url();
      io.berth.image.registry.RegistriesConf conf = registries(registriesConf);
      ImageCommands images = new ImageCommands(root, System.out, System.err, conf);
      List<String> argv = rest.subList(1, rest.size());
      String command = rest.get(0);
      if (command.equals("container") && !argv.isEmpty()) {
        command = argv.get(0); // berth container ls|rm|run|...: the same commands
        argv = argv.subList(1, argv.size());
        if (command.equals("ls") || command.equals("list")) {
          command = "ps";
        }
      }
    return switch (command) {
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
        case "serve" -> {
          Path r = root;
          Path rr = runRoot;
          yield io.berth.server.Daemon.serve(root, runRoot, conf, argv, System.out, System.err,
              engine -> CliService.start(engine, r, rr, conf), engine -> new io.berth.docker.DockerApi(engine).handler());
        }
        default -> url != null && !url.isEmpty() && !command.equals("serve") && !command.equals("cleanup")
            ? new RemoteCommands(RemoteCommands.socketOf(url), System.out, System.err).run(command, argv)
            : containers(command, argv, root, runRoot, registriesConf, conf, images);
      };
    } catch (Exception e) {
      return report(e, System.out, System.err);
    }
  }

  /** What a failed command says and returns: podman's exit codes, one line on stderr. */
  static int report(Exception failure, PrintStream out, PrintStream err) {
    try {
      throw failure;
    } catch (RunFlags.Help e) {
      out.println(e.getMessage());
      return 0;
    } catch (io.berth.engine.EngineException e) {
      err.println("berth: " + e.getMessage());
      return 125;
    } catch (Flags.UsageException e) {
      err.println("berth: " + e.getMessage());
      return 2;
    } catch (PullException | RegistryException | SnapshotException | ImageNotFoundException
        | ImageInUseException | ImageDatabaseException | IllegalArgumentException
        | io.berth.image.push.PushException | io.berth.image.transport.TransportException
        | io.berth.image.registry.RegistriesConf.InvalidConfigException e) {
      err.println("berth: " + e.getMessage());
      return 125;
    } catch (Exception e) {
      String msg = RuntimeCli.describe(e);
      if (msg == null) {
        e.printStackTrace(err);
        return 125;
      }
      err.println("berth: " + msg);
      return 125;
    }
  }

  private static final java.util.Set<String> CONTAINER_COMMANDS = java.util.Set.of(
      "run", "create", "start", "stop", "restart", "kill", "rm", "ps", "logs", "exec", "attach", "wait",
      "inspect", "top", "pause", "unpause", "rename", "volume", "cleanup", "events", "healthcheck", "stats",
      "port", "system", "cp", "network");

  private static int containers(String command, List<String> argv, Path root, Path runRoot, Path registriesConf,
      io.berth.image.registry.RegistriesConf conf, ImageCommands images) throws Exception {
    if (!CONTAINER_COMMANDS.contains(command)) {
      throw new Flags.UsageException("unknown command \"" + command + "\" (see --help)");
    }
    List<String> exit = new java.util.ArrayList<>();
    String home = System.getProperty("berth.home");
    if (home != null) {
      exit.add(Path.of(home, "bin", "berth").toAbsolutePath().toString());
      exit.addAll(List.of("--root", root.toAbsolutePath().toString(), "--run-root", runRoot.toAbsolutePath().toString()));
      if (registriesConf != null) {
        exit.addAll(List.of("--registries-conf", registriesConf.toAbsolutePath().toString()));
      }
    }
    io.berth.engine.Engine.Config config = io.berth.engine.Engine.Config.of(root, runRoot)
        .withRegistries(conf)
        .withExitCommand(home == null ? null : exit)
        .withWarn(m -> System.err.println("berth: warning: " + m));
    try (io.berth.engine.Engine engine = io.berth.engine.Engine.open(config)) {
      return dispatch(new ContainerCommands(engine, System.out, System.err), engine, images, command, argv, System.out);
    }
  }

  /** A container command on an open engine, with these streams (this process's or a client's). */
  static int dispatch(ContainerCommands c, io.berth.engine.Engine engine, ImageCommands images, String command,
      List<String> argv, PrintStream out) throws Exception {
    return switch (command) {
      case "run" -> c.run(argv);
      case "create" -> c.create(argv);
      case "start" -> c.start(argv);
      case "stop" -> c.stop(argv);
      case "restart" -> c.restart(argv);
      case "kill" -> c.kill(argv);
      case "rm" -> c.rm(argv);
      case "ps" -> c.ps(argv);
      case "logs" -> c.logs(argv);
      case "exec" -> c.exec(argv);
      case "attach" -> c.attach(argv);
      case "wait" -> c.waitFor(argv);
      case "inspect" -> c.inspect(argv, images);
      case "top" -> c.top(argv);
      case "pause" -> c.pause(argv, true);
      case "unpause" -> c.pause(argv, false);
      case "rename" -> c.rename(argv);
      case "volume" -> c.volume(argv);
      case "cleanup" -> c.cleanup(argv);
      case "events" -> new SystemCommands(engine, out).events(argv);
      case "healthcheck" -> new SystemCommands(engine, out).healthcheck(argv);
      case "stats" -> new SystemCommands(engine, out).stats(argv);
      case "port" -> new SystemCommands(engine, out).port(argv);
      case "system" -> new SystemCommands(engine, out).system(argv, images);
      case "cp" -> new CopyCommand(engine).run(argv);
      case "network" -> new NetworkCommands(engine, out).run(argv);
      default -> throw new Flags.UsageException("unknown command \"" + command + "\" (see --help)");
    };
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
