package io.berth.runtime.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/** Syscall name to number for one architecture, read from the table generated from kernel headers. */
final class SyscallTable {
  private static final Map<Architecture, SyscallTable> LOADED = new EnumMap<>(Architecture.class);

  private final Map<String, Integer> numbers;

  private SyscallTable(Map<String, Integer> numbers) {
    this.numbers = Collections.unmodifiableMap(numbers);
  }

  static synchronized SyscallTable of(Architecture arch) {
    return LOADED.computeIfAbsent(arch, SyscallTable::load);
  }

  OptionalInt number(String name) {
    Integer nr = numbers.get(name);
    return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
  }

  Set<String> names() {
    return numbers.keySet();
  }

  private static SyscallTable load(Architecture arch) {
    String resource = arch.tableResource();
    try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("seccomp: syscall table " + resource + " missing from the classpath");
      }
      Map<String, Integer> numbers = new HashMap<>();
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      for (String line; (line = reader.readLine()) != null; ) {
        line = line.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] field = line.split("\\s+");
        if (field.length != 2 || numbers.put(field[0], Integer.parseInt(field[1])) != null) {
          throw new IllegalStateException("seccomp: bad line in " + resource + ": " + line);
        }
      }
      return new SyscallTable(numbers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
