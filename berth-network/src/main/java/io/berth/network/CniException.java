package io.berth.network;

/**
 * A CNI operation failed: either a plugin reported the specification's error object
 * ({@code {"code", "msg", "details"}}) or the runtime could not run it at all (code 0).
 */
public final class CniException extends Exception {
  private final String plugin;
  private final int code;
  private final String msg;
  private final String details;

  public CniException(String plugin, int code, String msg, String details) {
    super(format(plugin, code, msg, details));
    this.plugin = plugin;
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  public CniException(String plugin, String msg, Throwable cause) {
    this(plugin, 0, msg, cause == null ? null : cause.getMessage());
    initCause(cause);
  }

  /** The plugin type (or executable) that failed; null when no plugin was involved. */
  public String plugin() {
    return plugin;
  }

  /** The CNI error code; 0 when the error is the runtime's own, not a plugin's. */
  public int code() {
    return code;
  }

  public String msg() {
    return msg;
  }

  public String details() {
    return details;
  }

  /** The names of the codes the specification reserves, so messages say more than a number. */
  static String codeName(int code) {
    return switch (code) {
      case 1 -> "incompatible CNI version";
      case 2 -> "unsupported field in network configuration";
      case 3 -> "container unknown or does not exist";
      case 4 -> "invalid necessary environment variables";
      case 5 -> "I/O failure";
      case 6 -> "failed to decode content";
      case 7 -> "invalid network config";
      case 11 -> "try again later";
      case 50 -> "plugin not available";
      case 51 -> "plugin not available, limited connectivity";
      default -> null;
    };
  }

  private static String format(String plugin, int code, String msg, String details) {
    StringBuilder b = new StringBuilder();
    if (plugin != null) {
      b.append("CNI plugin ").append(plugin).append(": ");
    }
    b.append(msg == null || msg.isEmpty() ? "failed without a message" : msg);
    if (code != 0) {
      String name = codeName(code);
      b.append(" (CNI error code ").append(code);
      if (name != null) {
        b.append(", ").append(name);
      }
      b.append(')');
    }
    if (details != null && !details.isEmpty()) {
      b.append(": ").append(details);
    }
    return b.toString();
  }
}
