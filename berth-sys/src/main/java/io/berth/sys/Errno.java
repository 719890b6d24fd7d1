package io.berth.sys;

/** The errno values Berth tests for, and their names for messages. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int ENXIO = 6;
  public static final int EBADF = 9;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int EACCES = 13;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENOTDIR = 20;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int EPIPE = 32;
  public static final int ENOSYS = 38;

  private Errno() {}

  public static String describe(int errno) {
    String name =
        switch (errno) {
          case EPERM -> "EPERM (operation not permitted)";
          case ENOENT -> "ENOENT (no such file or directory)";
          case ESRCH -> "ESRCH (no such process)";
          case EINTR -> "EINTR (interrupted)";
          case EIO -> "EIO (input/output error)";
          case ENXIO -> "ENXIO (no such device or address)";
          case EBADF -> "EBADF (bad file descriptor)";
          case ECHILD -> "ECHILD (no child processes)";
          case EAGAIN -> "EAGAIN (try again)";
          case EACCES -> "EACCES (permission denied)";
          case EBUSY -> "EBUSY (device or resource busy)";
          case EEXIST -> "EEXIST (file exists)";
          case ENOTDIR -> "ENOTDIR (not a directory)";
          case EINVAL -> "EINVAL (invalid argument)";
          case ENOSPC -> "ENOSPC (no space left on device)";
          case EPIPE -> "EPIPE (broken pipe)";
          case ENOSYS -> "ENOSYS (function not implemented)";
          default -> "errno " + errno;
        };
    return name;
  }
}
