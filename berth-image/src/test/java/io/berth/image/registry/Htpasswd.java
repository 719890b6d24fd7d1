package io.berth.image.registry;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes an htpasswd file as distribution's htpasswd auth wants it: bcrypt hashes only. apache2's
 * htpasswd is not on every machine, but libxcrypt (libcrypt.so.1, required by Debian's base
 * system) computes bcrypt, so the hash comes from its crypt(3) through the FFM API.
 */
public final class Htpasswd {

    private Htpasswd() {
    }

    public static void write(Path file, Map<String, String> users) throws IOException {
        String lines = users.entrySet().stream()
                .map(e -> e.getKey() + ":" + bcrypt(e.getValue()))
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(file, lines);
    }

    /** A {@code $2b$} hash of cost 5 (fast; the cost is irrelevant to a test). */
    static synchronized String bcrypt(String password) {
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup libcrypt = SymbolLookup.libraryLookup("libcrypt.so.1", arena);
            // char *crypt_gensalt(const char *prefix, unsigned long count, const char *rbytes, int nrbytes):
            // with rbytes NULL, libxcrypt draws the salt from the OS.
            MethodHandle gensalt = linker.downcallHandle(libcrypt.find("crypt_gensalt").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT));
            MethodHandle crypt = linker.downcallHandle(libcrypt.find("crypt").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
            MemorySegment salt = (MemorySegment) gensalt.invokeExact(arena.allocateFrom("$2b$"), 5L,
                    MemorySegment.NULL, 0);
            if (salt.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("crypt_gensalt failed: libcrypt lacks bcrypt");
            }
            String saltText = salt.reinterpret(256).getString(0);
            MemorySegment hash = (MemorySegment) crypt.invokeExact(arena.allocateFrom(password),
                    arena.allocateFrom(saltText));
            String result = hash.equals(MemorySegment.NULL) ? "" : hash.reinterpret(256).getString(0);
            if (!result.startsWith("$2b$")) {
                throw new IllegalStateException("crypt did not produce a bcrypt hash: " + result);
            }
            return result;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
