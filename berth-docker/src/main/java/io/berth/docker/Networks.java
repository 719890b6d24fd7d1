package io.berth.docker;

import io.berth.server.HttpException;
import java.util.List;

/**
 * The networks a container can be on, as Docker names them: {@code bridge} (Docker's default; on
 * Berth the container's own network namespace, with its loopback), {@code host} and {@code none}.
 * A create naming another network, or another container's namespace, is refused with 400: not
 * with Docker's 404, which its clients take for a missing image (they pull it and try again;
 * Docker itself only finds out at start).
 */
final class Networks {
  static final List<String> BUILT_IN = List.of("bridge", "host", "none");

  private Networks() {}

  /** The engine's network for a HostConfig.NetworkMode. */
  static String engineMode(String mode) {
    return switch (mode) {
      case "", "default", "bridge" -> "bridge";
      case "host" -> "host";
      case "none" -> "none";
      default -> {
        if (mode.startsWith("container:")) {
          throw HttpException.badRequest("network mode \"" + mode + "\" is not supported by Berth: a container cannot"
              + " join another container's network namespace");
        }
        throw HttpException.badRequest("network " + mode + " not found: this Berth daemon has the networks "
            + String.join(", ", BUILT_IN));
      }
    };
  }

  /** The NetworkMode Docker shows for the engine's network. */
  static String dockerMode(String engineNetwork) {
    return engineNetwork == null || engineNetwork.equals("default") ? "bridge" : engineNetwork;
  }
}
