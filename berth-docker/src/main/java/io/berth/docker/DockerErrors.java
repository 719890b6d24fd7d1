package io.berth.docker;

import io.berth.image.meta.ImageNotFoundException;
import io.berth.server.HttpException;
import io.berth.server.Response;
import java.util.Map;

/**
 * Errors as Docker's API gives them: a status (400 bad input, 404 no such object, 409 conflict,
 * 500 the daemon's own failure, 501 not implemented) and {@code {"message": "..."}}, the text the
 * docker CLI prints after "Error response from daemon: ".
 */
final class DockerErrors {
  private DockerErrors() {}

  static Response response(Exception e) {
    int status = io.berth.server.BerthApi.status(e);
    return Response.json(status, Map.of("message", message(e)));
  }

  static String message(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof HttpException && m.startsWith("page not found")) {
      return "page not found"; // Docker's words for any unknown path
    }
    if (e instanceof ImageNotFoundException n && !m.startsWith("No such image")) {
      return "No such image: " + n.reference();
    }
    // The engine's "no such container: x" is Docker's "No such container: x".
    if (m.startsWith("no such ")) {
      return "N" + m.substring(1);
    }
    return m;
  }

  static HttpException noSuchContainer(String name) {
    return HttpException.notFound("No such container: " + name);
  }

  static HttpException notImplemented(String what) {
    return new HttpException(501, what);
  }
}
