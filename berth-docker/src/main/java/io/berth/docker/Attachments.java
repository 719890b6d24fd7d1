package io.berth.docker;

import io.berth.engine.Container;
import io.berth.engine.Engine;
import io.berth.runtime.shim.ShimClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Clients attached to containers that are not running yet. The docker CLI attaches before it
 * starts ({@code docker run}, {@code docker start -a}), and must see the process's first byte:
 * the start hands each waiting client a connection to the new shim before the process runs
 * ({@link Engine.BeforeStart}), as the CLI's own foreground run does.
 */
final class Attachments {
  private final Engine engine;
  private final Map<String, List<CompletableFuture<ShimClient>>> waiting = new ConcurrentHashMap<>();

  Attachments(Engine engine) {
    this.engine = engine;
  }

  /** A client that waits for the container's next start. */
  CompletableFuture<ShimClient> await(String id) {
    CompletableFuture<ShimClient> f = new CompletableFuture<>();
    waiting.computeIfAbsent(id, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(f);
    return f;
  }

  void forget(String id, CompletableFuture<ShimClient> f) {
    List<CompletableFuture<ShimClient>> l = waiting.get(id);
    if (l != null) {
      l.remove(f);
    }
  }

  /** What a start runs once the shim is up and before the process runs: every waiting client connects. */
  Engine.BeforeStart beforeStart(String id) {
    return (Container ctr, Path shimDir) -> handOver(id, shimDir);
  }

  private void handOver(String id, Path shimDir) {
    List<CompletableFuture<ShimClient>> l = waiting.remove(id);
    if (l == null) {
      return;
    }
    synchronized (l) {
      for (CompletableFuture<ShimClient> f : l) {
        if (f.isDone()) {
          continue; // the client left, or connected by itself
        }
        try {
          ShimClient c = ShimClient.connect(shimDir);
          if (!f.complete(c)) {
            c.detach();
          }
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      }
    }
  }

  /** The start failed or the container went: the waiting clients are told so. */
  void cancel(String id, RuntimeException why) {
    List<CompletableFuture<ShimClient>> l = waiting.remove(id);
    if (l != null) {
      synchronized (l) {
        l.forEach(f -> f.completeExceptionally(why));
      }
    }
  }

  /**
   * Waits for the shim of the container's next run. A start that did not come through this API
   * (a restart policy, berth start) hands nothing over: then the running container's shim is
   * connected to as soon as it is seen. Returns null when the container is gone.
   */
  ShimClient next(String id, CompletableFuture<ShimClient> f) throws InterruptedException {
    try {
      while (true) {
        try {
          return f.get(200, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          Container c = engine.find(id).orElse(null);
          if (c == null) {
            return null;
          }
          // Completing it first settles the race with a start handing a client over.
          if (c.state().isRunning() && f.complete(null)) {
            try {
              return ShimClient.connect(engine.shimDir(id));
            } catch (RuntimeException gone) {
              return null; // exited meanwhile
            }
          }
        } catch (java.util.concurrent.ExecutionException e) {
          return null;
        }
      }
    } finally {
      forget(id, f);
    }
  }
}
