package io.berth.runtime.cgroup;

/**
 * A cgroup could not be created, configured, joined, frozen or removed; the message names the file.
 */
public class CgroupException extends RuntimeException {
  public CgroupException(String message) {
    super(message);
  }

  public CgroupException(String message, Throwable cause) {
    super(message, cause);
  }
}
