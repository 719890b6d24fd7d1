package io.berth.runtime;

import java.nio.file.Path;

/**
 * Options of create and run, as runc's flags name them.
 *
 * @param stdio fds of the calling process that become the container's stdin, stdout, stderr
 */
public record CreateOptions(
    Path pidFile, String consoleSocket, int preserveFds, boolean noPivot, int[] stdio) {
  public static final int[] INHERIT = {0, 1, 2};

  public static CreateOptions defaults() {
    return new CreateOptions(null, null, 0, false, INHERIT);
  }

  public CreateOptions withStdio(int[] fds) {
    return new CreateOptions(pidFile, consoleSocket, preserveFds, noPivot, fds);
  }
}
