package io.berth.docker;

import io.berth.engine.Container;
import io.berth.engine.HostMemory;
import io.berth.engine.InterfaceStats;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.server.Request;
import io.berth.server.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /containers/{id}/stats}: the container's cgroup usage in the shape the docker CLI
 * reads (cpu_stats and precpu_stats for the CPU share, memory_stats, pids_stats). Streamed once a
 * second; with {@code stream=false} one sample whose precpu_stats is half a second older (none
 * with {@code one-shot=true}).
 */
final class StatsRoute {
  static final long INTERVAL_MILLIS = 1000;
  static final long ONE_SAMPLE_MILLIS = 500;

  private final DockerApi api;

  StatsRoute(DockerApi api) {
    this.api = api;
  }

  /** One reading: the cgroup's counters with the host's CPU time and the moment. */
  record Sample(CgroupStats cgroup, long systemCpuNanos, Instant read, List<InterfaceStats> networks) {
    Sample(CgroupStats cgroup, long systemCpuNanos, Instant read) {
      this(cgroup, systemCpuNanos, read, List.of());
    }
  }

  Response stats(Request r) {
    Container c = api.container(r.param("id"));
    boolean stream = r.queryBool("stream", true);
    boolean oneShot = r.queryBool("one-shot", false);
    String id = c.id();
    return Response.stream(200, "application/json", out -> {
      Sample pre = oneShot ? null : sample(id);
      if (!stream) {
        if (!oneShot) {
          Thread.sleep(ONE_SAMPLE_MILLIS);
        }
        out.write(Json.line(document(c, sample(id), pre)));
        return;
      }
      while (!r.clientGone()) {
        Thread.sleep(pre == null ? 0 : INTERVAL_MILLIS);
        Sample now = sample(id);
        out.write(Json.line(document(c, now, pre)));
        if (now.cgroup == null) {
          return; // not running: one zeroed sample, as Docker gives for a stopped container
        }
        pre = now;
      }
    });
  }

  private Sample sample(String id) {
    CgroupStats cg;
    try {
      cg = api.engine.stats(id);
    } catch (RuntimeException e) {
      cg = null; // removed or stopped meanwhile
    }
    List<InterfaceStats> nets;
    try {
      nets = cg == null ? List.of() : api.engine.networkStats(id);
    } catch (RuntimeException e) {
      nets = List.of();
    }
    return new Sample(cg, systemCpuNanos(), Instant.now(), nets);
  }

  static Map<String, Object> document(Container c, Sample now, Sample pre) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "/" + c.name());
    m.put("id", c.id());
    m.put("read", now.read.toString());
    m.put("preread", pre == null ? "0001-01-01T00:00:00Z" : pre.read.toString());
    CgroupStats cg = now.cgroup;
    m.put("pids_stats", cg == null ? Map.of() : pids(cg));
    m.put("blkio_stats", blkio(cg));
    m.put("num_procs", 0);
    m.put("storage_stats", Map.of());
    m.put("cpu_stats", cpu(now));
    m.put("precpu_stats", pre == null ? cpu(new Sample(null, 0, now.read)) : cpu(pre));
    m.put("memory_stats", memory(cg));
    if (!now.networks().isEmpty()) {
      Map<String, Object> nets = new LinkedHashMap<>();
      for (InterfaceStats i : now.networks()) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("rx_bytes", i.rxBytes());
        n.put("rx_packets", i.rxPackets());
        n.put("rx_errors", i.rxErrors());
        n.put("rx_dropped", i.rxDropped());
        n.put("tx_bytes", i.txBytes());
        n.put("tx_packets", i.txPackets());
        n.put("tx_errors", i.txErrors());
        n.put("tx_dropped", i.txDropped());
        nets.put(i.name(), n);
      }
      m.put("networks", nets);
    }
    return m;
  }

  private static Map<String, Object> entry(CgroupStats.DeviceIo d, String op, long value) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("major", d.major());
    e.put("minor", d.minor());
    e.put("op", op);
    e.put("value", value);
    return e;
  }

  private static Map<String, Object> pids(CgroupStats cg) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("current", orZero(cg.pidsCurrent()));
    if (cg.pidsLimit() != null && cg.pidsLimit() > 0) {
      p.put("limit", cg.pidsLimit());
    }
    return p;
  }

  /** Bytes read and written per device, as Docker lists them (the CLI sums "read" and "write"). */
  private static Map<String, Object> blkio(CgroupStats cg) {
    Map<String, Object> b = new LinkedHashMap<>();
    for (String k : new String[] {"io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
        "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive",
        "sectors_recursive"}) {
      b.put(k, null);
    }
    if (cg != null && cg.io() != null) {
      List<Map<String, Object>> bytes = new ArrayList<>();
      for (CgroupStats.DeviceIo d : cg.io()) {
        bytes.add(entry(d, "read", d.readBytes()));
        bytes.add(entry(d, "write", d.writeBytes()));
      }
      b.put("io_service_bytes_recursive", bytes);
    }
    return b;
  }

  private static Map<String, Object> cpu(Sample s) {
    Map<String, Object> usage = new LinkedHashMap<>();
    CgroupStats cg = s.cgroup;
    usage.put("total_usage", cg == null ? 0 : orZero(cg.cpuUsageNanos()));
    usage.put("usage_in_kernelmode", cg == null ? 0 : orZero(cg.cpuSystemNanos()));
    usage.put("usage_in_usermode", cg == null ? 0 : orZero(cg.cpuUserNanos()));
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("cpu_usage", usage);
    c.put("system_cpu_usage", s.systemCpuNanos);
    c.put("online_cpus", cg == null ? 0 : Runtime.getRuntime().availableProcessors());
    c.put("throttling_data", Map.of("periods", 0, "throttled_periods", 0, "throttled_time", 0));
    return c;
  }

  private static Map<String, Object> memory(CgroupStats cg) {
    Map<String, Object> mem = new LinkedHashMap<>();
    if (cg == null) {
      return mem;
    }
    mem.put("usage", orZero(cg.memoryUsageBytes()));
    long host = HostMemory.total();
    Long limit = cg.memoryLimitBytes();
    mem.put("limit", limit == null || limit < 0 || (host > 0 && limit > host) ? host : limit);
    mem.put("stats", Map.of());
    return mem;
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  /** The host's CPU time in nanoseconds, as /proc/stat's first line counts it (in ticks of 1/100 s). */
  static long systemCpuNanos() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
        if (line.startsWith("cpu ")) {
          String[] f = line.trim().split("\\s+");
          long ticks = 0;
          for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
            ticks += Long.parseLong(f[i]);
          }
          return ticks * (1_000_000_000L / 100);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no host total: the CLI then shows 0% CPU
    }
    return 0;
  }

}
