package io.berth.network;

import io.berth.json.Json;
import io.berth.json.JsonException;
import io.berth.json.JsonTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs plugin executables as child processes, the way the CNI specification describes. */
public final class RealPluginExec implements PluginExec {
  /** Plugins normally answer in milliseconds; a hung one (a stuck DHCP, a lock) must not hang us. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** Plugins run other programs (iptables, ip); they need a PATH, but not the JVM's environment. */
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Duration timeout;

  public RealPluginExec() {
    this(DEFAULT_TIMEOUT);
  }

  public RealPluginExec(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public byte[] exec(Path plugin, Map<String, String> env, byte[] stdin) throws CniException {
    String name = plugin.getFileName().toString();
    ProcessBuilder pb = new ProcessBuilder(plugin.toString());
    // A clean environment: the CNI_* variables are the protocol, and anything inherited (a stale
    // CNI_ARGS, proxies, locales) would change what the plugin does.
    pb.environment().clear();
    pb.environment().put("PATH", PATH);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new CniException(name, "cannot run " + plugin, e);
    }
    // Read both pipes while writing stdin: a plugin that writes much before reading would block.
    CompletableFuture<byte[]> out = drain(p.getInputStream());
    CompletableFuture<byte[]> err = drain(p.getErrorStream());
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // The plugin exited without reading its configuration; its exit status says why.
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        throw new CniException(
            name, 0, "timed out after " + timeout.toSeconds() + "s (" + env.get("CNI_COMMAND") + ")",
            "the plugin was killed");
      }
      byte[] stdout = out.get();
      byte[] stderr = err.get();
      if (p.exitValue() != 0) {
        throw decodeError(name, p.exitValue(), stdout, stderr);
      }
      return stdout;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CniException(name, "interrupted while running " + plugin, e);
    } catch (ExecutionException e) {
      throw new CniException(name, "cannot read the output of " + plugin, e.getCause());
    }
  }

  /** The error object a failing plugin prints on stdout; stderr stands in when it printed none. */
  static CniException decodeError(String name, int exit, byte[] stdout, byte[] stderr) {
    try {
      Map<String, Object> n = JsonTrees.asObject(Json.read(stdout, Object.class));
      if (n != null && (n.containsKey("code") || n.containsKey("msg"))) {
        return new CniException(
            name, n.get("code") instanceof Number c ? c.intValue() : 0,
            n.get("msg") == null ? "" : String.valueOf(n.get("msg")),
            n.get("details") == null ? null : String.valueOf(n.get("details")));
      }
    } catch (JsonException e) {
      // Not JSON: fall through to the raw output.
    }
    String text = new String(stdout, StandardCharsets.UTF_8).strip();
    String errText = new String(stderr, StandardCharsets.UTF_8).strip();
    String details = (text + (text.isEmpty() || errText.isEmpty() ? "" : "; ") + errText).strip();
    return new CniException(name, 0, "exited with status " + exit, details.isEmpty() ? null : details);
  }

  private static CompletableFuture<byte[]> drain(InputStream s) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try (s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        s.transferTo(b);
        f.complete(b.toByteArray());
      } catch (IOException e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }
}
