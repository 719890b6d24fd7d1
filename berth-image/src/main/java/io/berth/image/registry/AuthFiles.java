package io.berth.image.registry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where credentials are looked for, in order, and which file {@code login} writes.
 *
 * <p>From the environment (podman's and Docker's conventions): {@code $REGISTRY_AUTH_FILE},
 * {@code $XDG_RUNTIME_DIR/containers/auth.json}, {@code ~/.config/containers/auth.json}
 * ({@code $XDG_CONFIG_HOME} if set), then Docker's {@code ~/.docker/config.json}
 * ({@code $DOCKER_CONFIG/config.json} if set). Login writes the first of the podman files that
 * applies; unlike podman as root, the fallback is the persistent one under the home directory.
 */
public final class AuthFiles {

    private final List<Path> searchPath;
    private final Path loginFile;

    private AuthFiles(List<Path> searchPath, Path loginFile) {
        this.searchPath = List.copyOf(searchPath);
        this.loginFile = loginFile;
    }

    /** Files searched in the given order; login writes {@code loginFile}. */
    public static AuthFiles of(Path loginFile, List<Path> searchPath) {
        return new AuthFiles(searchPath, loginFile);
    }

    /** No files at all: only explicitly configured credentials count (tests, embedded use). */
    public static AuthFiles none(Path loginFile) {
        return new AuthFiles(List.of(), loginFile);
    }

    public static AuthFiles fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public static AuthFiles fromEnvironment(Map<String, String> env, Path home) {
        List<Path> podman = new ArrayList<>();
        String explicit = env.get("REGISTRY_AUTH_FILE");
        if (explicit != null && !explicit.isEmpty()) {
            podman.add(Path.of(explicit));
        }
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isEmpty()) {
            podman.add(Path.of(runtimeDir, "containers", "auth.json"));
        }
        String configHome = env.get("XDG_CONFIG_HOME");
        podman.add(configHome != null && !configHome.isEmpty()
                ? Path.of(configHome, "containers", "auth.json")
                : home.resolve(".config/containers/auth.json"));
        String dockerConfig = env.get("DOCKER_CONFIG");
        Path docker = dockerConfig != null && !dockerConfig.isEmpty()
                ? Path.of(dockerConfig, "config.json")
                : home.resolve(".docker/config.json");
        List<Path> all = new ArrayList<>(podman);
        all.add(docker);
        return new AuthFiles(all, podman.getFirst());
    }

    /** The first credentials found for the repository (or the registry as a whole) along the search path. */
    public Optional<Credentials> lookup(String registry, String repository) {
        for (Path file : searchPath) {
            Optional<Credentials> found = AuthFile.find(file, registry, repository);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    public List<Path> searchPath() {
        return searchPath;
    }

    public Path loginFile() {
        return loginFile;
    }
}
