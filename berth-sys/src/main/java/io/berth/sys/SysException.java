package io.berth.sys;

/** A system call failed; carries the errno and names the call and its subject. */
public class SysException extends RuntimeException {
  private final int errno;

  public SysException(String call, int errno) {
    super(call + ": " + Errno.describe(errno));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
