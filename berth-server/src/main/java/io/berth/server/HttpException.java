package io.berth.server;

/** A request the server answers with this status and message (bad input, no such route...). */
public class HttpException extends RuntimeException {
  private final int status;

  public HttpException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static HttpException badRequest(String message) {
    return new HttpException(400, message);
  }

  public static HttpException notFound(String message) {
    return new HttpException(404, message);
  }
}
