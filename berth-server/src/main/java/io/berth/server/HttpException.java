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

  /**
   * Runs an engine call whose refusal is the request's fault: a missing thing or a conflict keeps
   * its own status (404, 409), any other refusal of the engine becomes a 400 with its message.
   */
  public static <T> T badRequestOnRefusal(java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (io.berth.engine.EngineException.Conflict | io.berth.engine.EngineException.NotFound e) {
      throw e;
    } catch (io.berth.engine.EngineException e) {
      throw badRequest(e.getMessage());
    }
  }
}
