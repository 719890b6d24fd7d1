package io.berth.image.registry;

/**
 * Any failure of a registry operation, with a one-line message that names the registry, what was
 * asked for and why it failed, e.g. {@code registry 127.0.0.1:5000: manifest for "foo:bar" not
 * found (HTTP 404)}.
 */
public class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String registry;
    private final int status;

    /**
     * @param registry the registry host the operation addressed
     * @param detail what failed and why, without the registry prefix
     * @param status the HTTP status that caused it, or 0 when there was no usable answer
     */
    public RegistryException(String registry, String detail, int status, Throwable cause) {
        super("registry " + registry + ": " + detail + (status > 0 ? " (HTTP " + status + ")" : ""), cause);
        this.registry = registry;
        this.status = status;
    }

    public RegistryException(String registry, String detail, int status) {
        this(registry, detail, status, null);
    }

    public String registry() {
        return registry;
    }

    /** The HTTP status behind the failure, 0 when the registry could not be reached or answered nonsense. */
    public int status() {
        return status;
    }

    public boolean isNotFound() {
        return status == 404;
    }

    public boolean isUnauthorized() {
        return status == 401 || status == 403;
    }
}
