package io.berth.runtime;

import io.berth.oci.Spec;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the hooks that runtime.md places in the runtime namespace (prestart, createRuntime,
 * poststart, poststop), with the container state on stdin and the hook's timeout enforced.
 */
final class HookRunner {
  private HookRunner() {}

  static void run(String kind, List<Spec.Hook> hooks, byte[] state) {
    if (hooks == null) {
      return;
    }
    for (Spec.Hook h : hooks) {
      runOne(kind, h, state);
    }
  }

  /** Runs every hook even if some fail, as poststart and poststop require; returns the errors. */
  static List<String> runAll(String kind, List<Spec.Hook> hooks, byte[] state) {
    List<String> errors = new ArrayList<>();
    if (hooks != null) {
      for (Spec.Hook h : hooks) {
        try {
          runOne(kind, h, state);
        } catch (ContainerException e) {
          errors.add(e.getMessage());
        }
      }
    }
    return errors;
  }

  private static void runOne(String kind, Spec.Hook h, byte[] state) {
    List<String> cmd = new ArrayList<>();
    cmd.add(h.path());
    List<String> args = h.args() == null ? List.of() : h.args();
    if (args.size() > 1) {
      cmd.addAll(args.subList(1, args.size()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    if (h.env() != null) {
      for (String e : h.env()) {
        int eq = e.indexOf('=');
        if (eq > 0) {
          pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
      }
    }
    pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new ContainerException(kind + " hook " + h.path() + ": " + e.getMessage());
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(state);
    } catch (IOException e) {
      // A hook that does not read its stdin is fine.
    }
    try {
      int timeout = h.timeout() == null ? 0 : h.timeout();
      boolean done = timeout > 0 ? p.waitFor(timeout, TimeUnit.SECONDS) : p.waitFor() >= 0;
      if (!done) {
        p.destroyForcibly().waitFor();
        throw new ContainerException(kind + " hook " + h.path() + " timed out after " + timeout + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new ContainerException(kind + " hook " + h.path() + " interrupted");
    }
    if (p.exitValue() != 0) {
      throw new ContainerException(kind + " hook " + h.path() + " exited with status " + p.exitValue());
    }
  }
}
