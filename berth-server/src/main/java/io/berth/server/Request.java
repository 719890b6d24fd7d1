package io.berth.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * One HTTP request as read off the socket, its body complete. Path parameters are filled in by
 * the {@link Router} that matched it.
 */
public final class Request {
  private final String method;
  private final String rawPath;
  private final Map<String, List<String>> query;
  private final Map<String, String> headers;
  private final byte[] body;
  private final Path bodyFile;
  private final Map<String, String> params;
  private final BooleanSupplier clientGone;

  Request(String method, String rawPath, Map<String, List<String>> query, Map<String, String> headers, byte[] body,
      Map<String, String> params, BooleanSupplier clientGone) {
    this(method, rawPath, query, headers, body, null, params, clientGone);
  }

  /**
   * @param bodyFile where a body too large to hold in memory was spooled (then {@code body} is
   *     empty), or null
   */
  Request(String method, String rawPath, Map<String, List<String>> query, Map<String, String> headers, byte[] body,
      Path bodyFile, Map<String, String> params, BooleanSupplier clientGone) {
    this.method = method;
    this.rawPath = rawPath;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.bodyFile = bodyFile;
    this.params = params;
    this.clientGone = clientGone;
  }

  /** A request made in memory, for handlers under test and for tools. */
  public static Request of(String method, String target, Map<String, String> headers, byte[] body) {
    int q = target.indexOf('?');
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.putAll(headers);
    return new Request(method, q < 0 ? target : target.substring(0, q),
        parseQuery(q < 0 ? "" : target.substring(q + 1)), h, body, Map.of(), () -> false);
  }

  /** The same request at another path (an API that routes on part of the path, as Docker's version prefix). */
  public Request withPath(String newRawPath) {
    return new Request(method, newRawPath, query, headers, body, bodyFile, params, clientGone);
  }

  Request withParams(Map<String, String> p) {
    return new Request(method, rawPath, query, headers, body, bodyFile, Map.copyOf(p), clientGone);
  }

  public String method() {
    return method;
  }

  /** The path, percent-decoded. */
  public String path() {
    return decode(rawPath, false);
  }

  /** The path as sent: a %2F stays inside its segment. */
  public String rawPath() {
    return rawPath;
  }

  /**
   * The body, in memory. A body larger than the server holds in memory (an image archive, a tar to
   * copy into a container) was spooled to a file instead: endpoints that take such bodies read
   * {@link #bodyStream}; for the others it is a 413.
   */
  public byte[] body() {
    if (bodyFile != null) {
      throw new HttpException(413, "the request body is larger than " + UnixHttpServer.MAX_BODY
          + " bytes, more than this endpoint takes");
    }
    return body;
  }

  /** The body as a stream, whatever its size; the caller closes it. */
  public InputStream bodyStream() throws IOException {
    return bodyFile != null ? Files.newInputStream(bodyFile) : new ByteArrayInputStream(body);
  }

  /** A header's value (names are case-insensitive; repeated headers are joined with ", "). */
  public String header(String name) {
    return headers.get(name);
  }

  /** The value of a {@code {name}} segment of the route's pattern. */
  public String param(String name) {
    String v = params.get(name);
    if (v == null) {
      throw new IllegalStateException("the route has no parameter {" + name + "}");
    }
    return v;
  }

  /** The first value of a query parameter, or null. */
  public String query(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  public List<String> queryAll(String name) {
    return query.getOrDefault(name, List.of());
  }

  /** A boolean query parameter as Docker's API takes them: 1/true/yes, 0/false/no or empty. */
  public boolean queryBool(String name, boolean dflt) {
    String v = query(name);
    if (v == null) {
      return dflt;
    }
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "1", "true", "yes" -> true;
      case "0", "false", "no", "" -> false;
      default -> throw HttpException.badRequest("query parameter " + name + " must be true or false, got \"" + v + "\"");
    };
  }

  /** An integer query parameter, or null when absent or empty. */
  public Integer queryInt(String name) {
    String v = query(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw HttpException.badRequest("query parameter " + name + " must be a number, got \"" + v + "\"");
    }
  }

  /**
   * Whether the client has closed its end. The first call starts watching the connection, which
   * then closes after this response: meant for handlers that block or stream for long.
   */
  public boolean clientGone() {
    return clientGone.getAsBoolean();
  }

  static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq), true);
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  static String decode(String s, boolean plusIsSpace) {
    try {
      // URLDecoder reads '+' as a space, which is right for queries only.
      return URLDecoder.decode(plusIsSpace ? s : s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw HttpException.badRequest("bad percent-encoding in \"" + s + "\"");
    }
  }
}
