package io.berth.engine;

/** A request the engine refused or could not carry out; the message is one line for a user. */
public class EngineException extends RuntimeException {
  public EngineException(String message) {
    super(message);
  }

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }

  /** No container has that name or ID (prefix). */
  public static final class NotFound extends EngineException {
    public NotFound(String message) {
      super(message);
    }
  }

  /** A name already taken, a running container asked to go, and the like (HTTP 409 in APIs). */
  public static final class Conflict extends EngineException {
    public Conflict(String message) {
      super(message);
    }
  }
}
