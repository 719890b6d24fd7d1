package io.berth.network;

import java.util.List;

/** The CNI specification versions and their ordering ("0.4.0" &lt; "1.0.0" &lt; "1.1.0"). */
public final class CniVersion {
  /** Every version a configuration may declare; results of all of them can be read. */
  public static final List<String> SUPPORTED =
      List.of("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

  /** The version this runtime speaks when it has the choice (VERSION queries). */
  public static final String CURRENT = "1.1.0";

  private CniVersion() {}

  public static boolean isSupported(String version) {
    return SUPPORTED.contains(version);
  }

  /** Compares two "major.minor.patch" versions numerically (so "0.10.0" &gt; "0.4.0"). */
  public static int compare(String a, String b) {
    int[] x = parse(a);
    int[] y = parse(b);
    for (int i = 0; i < 3; i++) {
      if (x[i] != y[i]) {
        return Integer.compare(x[i], y[i]);
      }
    }
    return 0;
  }

  public static boolean atLeast(String version, String minimum) {
    return compare(version, minimum) >= 0;
  }

  private static int[] parse(String v) {
    String[] parts = v == null ? new String[0] : v.split("\\.");
    if (parts.length != 3) {
      throw new InvalidNetworkConfigException("bad cniVersion \"" + v + "\": expected major.minor.patch");
    }
    int[] n = new int[3];
    try {
      for (int i = 0; i < 3; i++) {
        n[i] = Integer.parseInt(parts[i]);
      }
    } catch (NumberFormatException e) {
      throw new InvalidNetworkConfigException("bad cniVersion \"" + v + "\": expected major.minor.patch");
    }
    return n;
  }
}
