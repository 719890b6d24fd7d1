package io.berth.runtime.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Splits a mount's option list into mount(2) flags, propagation flags and filesystem data. */
public record MountOptions(long flags, long clearFlags, long propagation, String data, boolean bind, boolean recursive) {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_SYNCHRONOUS = 16;
  public static final long MS_REMOUNT = 32;
  public static final long MS_MANDLOCK = 64;
  public static final long MS_DIRSYNC = 128;
  public static final long MS_NOSYMFOLLOW = 256;
  public static final long MS_NOATIME = 1024;
  public static final long MS_NODIRATIME = 2048;
  public static final long MS_BIND = 4096;
  public static final long MS_MOVE = 8192;
  public static final long MS_REC = 16384;
  public static final long MS_SILENT = 32768;
  public static final long MS_UNBINDABLE = 1 << 17;
  public static final long MS_PRIVATE = 1 << 18;
  public static final long MS_SLAVE = 1 << 19;
  public static final long MS_SHARED = 1 << 20;
  public static final long MS_RELATIME = 1 << 21;
  public static final long MS_STRICTATIME = 1 << 24;
  public static final long MS_LAZYTIME = 1 << 25;

  /** option -> {flag, clears?}: "rw" clears MS_RDONLY and so on. */
  private static final Map<String, long[]> FLAGS =
      Map.ofEntries(
          Map.entry("ro", new long[] {MS_RDONLY, 0}),
          Map.entry("rw", new long[] {MS_RDONLY, 1}),
          Map.entry("nosuid", new long[] {MS_NOSUID, 0}),
          Map.entry("suid", new long[] {MS_NOSUID, 1}),
          Map.entry("nodev", new long[] {MS_NODEV, 0}),
          Map.entry("dev", new long[] {MS_NODEV, 1}),
          Map.entry("noexec", new long[] {MS_NOEXEC, 0}),
          Map.entry("exec", new long[] {MS_NOEXEC, 1}),
          Map.entry("sync", new long[] {MS_SYNCHRONOUS, 0}),
          Map.entry("async", new long[] {MS_SYNCHRONOUS, 1}),
          Map.entry("mand", new long[] {MS_MANDLOCK, 0}),
          Map.entry("nomand", new long[] {MS_MANDLOCK, 1}),
          Map.entry("dirsync", new long[] {MS_DIRSYNC, 0}),
          Map.entry("nosymfollow", new long[] {MS_NOSYMFOLLOW, 0}),
          Map.entry("symfollow", new long[] {MS_NOSYMFOLLOW, 1}),
          Map.entry("noatime", new long[] {MS_NOATIME, 0}),
          Map.entry("atime", new long[] {MS_NOATIME, 1}),
          Map.entry("nodiratime", new long[] {MS_NODIRATIME, 0}),
          Map.entry("diratime", new long[] {MS_NODIRATIME, 1}),
          Map.entry("relatime", new long[] {MS_RELATIME, 0}),
          Map.entry("norelatime", new long[] {MS_RELATIME, 1}),
          Map.entry("strictatime", new long[] {MS_STRICTATIME, 0}),
          Map.entry("nostrictatime", new long[] {MS_STRICTATIME, 1}),
          Map.entry("lazytime", new long[] {MS_LAZYTIME, 0}),
          Map.entry("nolazytime", new long[] {MS_LAZYTIME, 1}),
          Map.entry("silent", new long[] {MS_SILENT, 0}),
          Map.entry("loud", new long[] {MS_SILENT, 1}),
          Map.entry("remount", new long[] {MS_REMOUNT, 0}));

  private static final Map<String, Long> PROPAGATION =
      Map.of(
          "private", MS_PRIVATE,
          "rprivate", MS_PRIVATE | MS_REC,
          "shared", MS_SHARED,
          "rshared", MS_SHARED | MS_REC,
          "slave", MS_SLAVE,
          "rslave", MS_SLAVE | MS_REC,
          "unbindable", MS_UNBINDABLE,
          "runbindable", MS_UNBINDABLE | MS_REC);

  public static MountOptions parse(String type, List<String> options) {
    long flags = 0;
    long clear = 0;
    long propagation = 0;
    boolean bind = "bind".equals(type) || "rbind".equals(type);
    boolean rec = "rbind".equals(type);
    List<String> data = new ArrayList<>();
    for (String o : options == null ? List.<String>of() : options) {
      if (o.equals("bind")) {
        bind = true;
      } else if (o.equals("rbind")) {
        bind = true;
        rec = true;
      } else if (FLAGS.containsKey(o)) {
        long[] f = FLAGS.get(o);
        if (f[1] == 0) {
          flags |= f[0];
          clear &= ~f[0];
        } else {
          flags &= ~f[0];
          clear |= f[0];
        }
      } else if (PROPAGATION.containsKey(o)) {
        propagation |= PROPAGATION.get(o);
      } else if (o.equals("tmpcopyup") || o.equals("idmap") || o.equals("ridmap")) {
        throw new io.berth.oci.InvalidSpecException("mount option \"" + o + "\" is not supported");
      } else {
        data.add(o);
      }
    }
    return new MountOptions(flags, clear, propagation, String.join(",", data), bind, rec);
  }

  public static Long propagation(String name) {
    return PROPAGATION.get(name);
  }
}
