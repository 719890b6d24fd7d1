package io.berth.sys;

/** How a child ended, decoded from waitpid's status word. */
public record WaitStatus(int pid, boolean exited, int exitCode, int signal) {
  public static WaitStatus decode(int pid, int status) {
    int sig = status & 0x7f;
    if (sig == 0) {
      return new WaitStatus(pid, true, (status >> 8) & 0xff, 0);
    }
    return new WaitStatus(pid, false, 0, sig);
  }

  /** The shell's convention: the exit code, or 128 + the signal that killed the process. */
  public int shellCode() {
    return exited ? exitCode : 128 + signal;
  }
}
