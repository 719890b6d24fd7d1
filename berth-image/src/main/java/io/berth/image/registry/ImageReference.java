package io.berth.image.registry;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A fully qualified image name: registry host, repository path, and a tag, a digest or both.
 *
 * <p>{@link #parse} applies Docker's normalization, so that names typed by users mean what they
 * mean to the docker and podman CLIs: a first path component that has no dot or colon and is not
 * {@code localhost} is part of the repository on docker.io, a single-component docker.io
 * repository lives under {@code library/}, {@code index.docker.io} is an old alias of
 * {@code docker.io}, and a reference without tag or digest means {@code latest}.
 *
 * @param registry host with optional port, e.g. {@code docker.io} or {@code 127.0.0.1:5000}
 * @param repository the repository path, e.g. {@code library/busybox}
 * @param tag the tag, or null when the reference is by digest only
 * @param digest {@code algorithm:hex}, or null when the reference is by tag only
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    public static final String DOCKER_HUB = "docker.io";
    public static final String DEFAULT_TAG = "latest";

    // The grammar of github.com/distribution/reference, written out from its documentation.
    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|-+)";
    private static final Pattern PATH_COMPONENT =
            Pattern.compile(ALNUM + "(?:" + SEPARATOR + ALNUM + ")*");
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST =
            Pattern.compile("[a-z][a-z0-9]*(?:[-_+.][a-z][a-z0-9]*)*:[a-fA-F0-9]{32,}");
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");
    private static final int NAME_MAX = 255;

    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        if (tag == null && digest == null) {
            throw new IllegalArgumentException("an image reference needs a tag or a digest");
        }
    }

    /** Parses a name as the docker and podman CLIs do; throws IllegalArgumentException saying why a name is invalid. */
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw invalid(String.valueOf(text), "empty name");
        }
        String name = text;
        String digest = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            digest = name.substring(at + 1);
            name = name.substring(0, at);
            checkDigest(text, digest);
        }
        String tag = null;
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "tag \"" + tag + "\" may hold only letters, digits, '_', '.' and '-', "
                        + "must not start with '.' or '-', and is at most 128 characters");
            }
        }
        if (name.isEmpty()) {
            throw invalid(text, "empty repository name");
        }
        if (HEX64.matcher(name).matches()) {
            throw invalid(text, "a 64-character hexadecimal string is an image ID, not a repository name");
        }

        String registry;
        String path;
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        boolean firstIsHost = slash >= 0
                && (first.contains(".") || first.contains(":") || first.equals("localhost")
                        || !first.equals(first.toLowerCase(Locale.ROOT)));
        if (firstIsHost) {
            registry = first;
            path = name.substring(slash + 1);
        } else {
            registry = DOCKER_HUB;
            path = name;
        }
        if (registry.equals("index.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (!DOMAIN.matcher(registry).matches()) {
            throw invalid(text, "\"" + registry + "\" is not a valid registry host");
        }
        if (!path.equals(path.toLowerCase(Locale.ROOT))) {
            throw invalid(text, "repository name must be lowercase");
        }
        for (String component : path.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw invalid(text, "repository path component \"" + component + "\" must be lowercase letters "
                        + "and digits separated by '.', '_', '__' or dashes");
            }
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (registry.length() + 1 + path.length() > NAME_MAX) {
            throw invalid(text, "name longer than " + NAME_MAX + " characters");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, path, tag, digest);
    }

    private static void checkDigest(String text, String digest) {
        if (!DIGEST.matcher(digest).matches()) {
            throw invalid(text, "digest \"" + digest + "\" is not of the form algorithm:hex");
        }
        String hex = digest.substring(digest.indexOf(':') + 1);
        if (digest.startsWith("sha256:") && !hex.matches("[a-f0-9]{64}")) {
            throw invalid(text, "a sha256 digest has 64 lowercase hexadecimal digits");
        }
        if (digest.startsWith("sha512:") && !hex.matches("[a-f0-9]{128}")) {
            throw invalid(text, "a sha512 digest has 128 lowercase hexadecimal digits");
        }
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid image reference \"" + text + "\": " + why);
    }

    /** What the manifest endpoint is asked for: the digest when there is one (it pins the content), else the tag. */
    public String reference() {
        return digest != null ? digest : tag;
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(registry, repository, newTag, null);
    }

    public ImageReference withDigest(String newDigest) {
        return new ImageReference(registry, repository, null, newDigest);
    }

    /** The repository with its tag and/or digest, as error messages name an image within a registry. */
    public String shortName() {
        return repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    @Override
    public String toString() {
        return registry + "/" + shortName();
    }
}
