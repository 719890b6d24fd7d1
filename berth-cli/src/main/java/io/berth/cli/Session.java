package io.berth.cli;

import io.berth.runtime.Launcher;
import io.berth.runtime.Runtime;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Where a command runs: in this process (the JVM started for it), or on behalf of a client of
 * the runtime service, whose stdio, working directory and children are its own.
 */
interface Session {
  PrintStream out();

  PrintStream err();

  InputStream in();

  /** Resolves a path the user gave relative to their working directory. */
  Path path(String p);

  String getenv(String name);

  Launcher launcher();

  /** The fds (in this process) that become a container's 0, 1, 2, then its preserved fds. */
  int[] stdio(int preserveFds);

  /** Prepares to wait for a container started next (subreaper), and then waits for it. */
  void adopt();

  int await(int pid);

  /** True when a terminal can be proxied here (a client of the service cannot yet). */
  boolean canProxyTerminal();

  Session LOCAL =
      new Session() {
        @Override
        public PrintStream out() {
          return System.out;
        }

        @Override
        public PrintStream err() {
          return System.err;
        }

        @Override
        public InputStream in() {
          return System.in;
        }

        @Override
        public Path path(String p) {
          return Path.of(p);
        }

        @Override
        public String getenv(String name) {
          return System.getenv(name);
        }

        @Override
        public Launcher launcher() {
          return Launcher.LOCAL;
        }

        @Override
        public int[] stdio(int preserveFds) {
          int[] fds = new int[3 + preserveFds];
          for (int i = 0; i < fds.length; i++) {
            fds[i] = i;
          }
          return fds;
        }

        @Override
        public void adopt() {
          Runtime.adoptContainers();
        }

        @Override
        public int await(int pid) {
          SignalForwarder.forward(pid);
          return Runtime.waitFor(pid);
        }

        @Override
        public boolean canProxyTerminal() {
          return true;
        }
      };
}
