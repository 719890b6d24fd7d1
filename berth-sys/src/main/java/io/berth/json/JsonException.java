package io.berth.json;

/**
 * A document {@link Json} could not read: malformed JSON, or a value of the wrong kind. The
 * message names the problem and, when it is inside the document, where ({@code at
 * process.args[0]}).
 */
public final class JsonException extends RuntimeException {
  private final String problem;
  private final String path;

  JsonException(String problem, String path) {
    this(problem, path, null);
  }

  JsonException(String problem, String path, Throwable cause) {
    super(path.isEmpty() ? problem : problem + " at " + path, cause);
    this.problem = problem;
    this.path = path;
  }

  /** The problem without its place. */
  public String problem() {
    return problem;
  }

  /** Where in the document, as {@code a.b[2].c}; empty at the top or for a syntax error. */
  public String path() {
    return path;
  }

  /** The same problem, one level further out: inside property or index {@code step}. */
  JsonException at(String step) {
    if (problem.startsWith("malformed JSON")) {
      return this; // a syntax error carries its line and column instead
    }
    String p = path.isEmpty() || path.startsWith("[") ? step + path : step + "." + path;
    return new JsonException(problem, p, getCause());
  }
}
