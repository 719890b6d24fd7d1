package io.berth.docker;

import io.berth.server.HttpException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API version a request names in its path ({@code /v1.47/containers/json}), or none
 * ({@code /containers/json}: the newest). Versions outside what Berth serves are refused with
 * Docker's messages, which its clients show as they are.
 *
 * @param major 1
 * @param minor 24 to 47
 * @param path the path without the version prefix
 */
record ApiVersion(int major, int minor, String path) {
  static final ApiVersion MIN = new ApiVersion(1, 24, "/");
  static final ApiVersion MAX = new ApiVersion(1, 47, "/");

  private static final Pattern PREFIX = Pattern.compile("/v([0-9]+)\\.([0-9]+)(/.*)?");

  /**
   * Splits a raw request path. A prefix that is not a version ({@code /vabc/...}) is left in the
   * path, as Docker's router does (the route then is not found).
   *
   * @throws HttpException 400 for a version Berth does not serve
   */
  static ApiVersion of(String rawPath) {
    Matcher m = PREFIX.matcher(rawPath);
    if (!m.matches()) {
      return new ApiVersion(MAX.major, MAX.minor, rawPath);
    }
    int major;
    int minor;
    try {
      major = Integer.parseInt(m.group(1));
      minor = Integer.parseInt(m.group(2));
    } catch (NumberFormatException e) {
      throw HttpException.badRequest("client version " + m.group(1) + "." + m.group(2) + " is not a version");
    }
    String rest = m.group(3) == null ? "/" : m.group(3);
    ApiVersion v = new ApiVersion(major, minor, rest);
    if (v.lessThan(MIN)) {
      throw HttpException.badRequest("client version " + v.text() + " is too old. Minimum supported API version is "
          + MIN.text() + ", please upgrade your client to a newer version");
    }
    if (MAX.lessThan(v)) {
      throw HttpException.badRequest("client version " + v.text() + " is too new. Maximum supported API version is "
          + MAX.text());
    }
    return v;
  }

  boolean lessThan(ApiVersion o) {
    return major != o.major ? major < o.major : minor < o.minor;
  }

  /** Whether this is at least {@code 1.minor}. */
  boolean atLeast(int minorOfOne) {
    return major > 1 || minor >= minorOfOne;
  }

  String text() {
    return major + "." + minor;
  }
}
