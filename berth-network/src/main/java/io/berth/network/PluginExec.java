package io.berth.network;

import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one plugin invocation. The seam between the CNI protocol logic and the processes: tests
 * inject a recording fake and need neither root nor plugins.
 */
public interface PluginExec {
  /**
   * Runs {@code plugin} with exactly {@code env} (plus a PATH) and {@code stdin}, and returns its
   * standard output.
   *
   * @throws CniException if the plugin fails: its error JSON decoded, or why it could not run
   */
  byte[] exec(Path plugin, Map<String, String> env, byte[] stdin) throws CniException;
}
