package io.berth.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Maps a method and a path pattern ({@code /v1/containers/{id}/start}: a {@code {name}} is one
 * path segment; one {@code {name*}} per pattern takes one or more segments, joined by "/", as
 * image names need: {@code /images/{name*}/json}) to a handler. Errors a handler throws become responses through the error
 * mapper, so each API keeps its own error format.
 */
public final class Router implements UnixHttpServer.Handler {
  /** Answers one request. */
  public interface Route {
    Response handle(Request request) throws Exception;
  }

  private record Entry(String method, String[] segments, Route route) {}

  private final List<Entry> routes = new ArrayList<>();
  private final Function<Exception, Response> errors;

  /** @param errors turns what a handler threw (an {@link HttpException} among others) into a response */
  public Router(Function<Exception, Response> errors) {
    this.errors = errors;
  }

  public Router add(String method, String pattern, Route route) {
    routes.add(new Entry(method, split(pattern), route));
    return this;
  }

  public Router get(String pattern, Route route) {
    return add("GET", pattern, route);
  }

  public Router post(String pattern, Route route) {
    return add("POST", pattern, route);
  }

  public Router delete(String pattern, Route route) {
    return add("DELETE", pattern, route);
  }

  @Override
  public Response handle(Request request) {
    try {
      String[] path = split(request.rawPath());
      boolean pathKnown = false;
      for (Entry e : routes) {
        Map<String, String> params = match(e.segments, path);
        if (params == null) {
          continue;
        }
        pathKnown = true;
        if (e.method.equals(request.method()) || (request.method().equals("HEAD") && e.method.equals("GET"))) {
          return e.route.handle(request.withParams(params));
        }
      }
      throw pathKnown ? new HttpException(405, request.method() + " is not allowed on " + request.path())
          : HttpException.notFound("page not found: " + request.path());
    } catch (Exception e) {
      return errors.apply(e);
    }
  }

  private static Map<String, String> match(String[] pattern, String[] path) {
    int greedy = -1;
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i].startsWith("{") && pattern[i].endsWith("*}")) {
        greedy = i;
      }
    }
    if (greedy >= 0) {
      return matchGreedy(pattern, path, greedy);
    }
    if (pattern.length != path.length) {
      return null;
    }
    return matchSegments(pattern, path, new LinkedHashMap<>());
  }

  /** The segments before and after the greedy one match one to one; it takes what is between. */
  private static Map<String, String> matchGreedy(String[] pattern, String[] path, int g) {
    int after = pattern.length - g - 1;
    if (path.length < pattern.length) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    String[] headPattern = java.util.Arrays.copyOfRange(pattern, 0, g);
    String[] tailPattern = java.util.Arrays.copyOfRange(pattern, g + 1, pattern.length);
    if (matchSegments(headPattern, java.util.Arrays.copyOfRange(path, 0, g), params) == null
        || matchSegments(tailPattern, java.util.Arrays.copyOfRange(path, path.length - after, path.length), params) == null) {
      return null;
    }
    StringBuilder value = new StringBuilder();
    for (int i = g; i < path.length - after; i++) {
      if (path[i].isEmpty()) {
        return null;
      }
      value.append(value.length() == 0 ? "" : "/").append(Request.decode(path[i], false));
    }
    String p = pattern[g];
    params.put(p.substring(1, p.length() - 2), value.toString());
    return params;
  }

  private static Map<String, String> matchSegments(String[] pattern, String[] path, Map<String, String> params) {
    for (int i = 0; i < pattern.length; i++) {
      String p = pattern[i];
      if (p.startsWith("{") && p.endsWith("}")) {
        if (path[i].isEmpty()) {
          return null;
        }
        params.put(p.substring(1, p.length() - 1), Request.decode(path[i], false));
      } else if (!p.equals(Request.decode(path[i], false))) {
        return null;
      }
    }
    return params;
  }

  private static String[] split(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() ? new String[0] : p.split("/", -1);
  }
}
