package io.berth.image.registry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a failed request is tried again: on a dropped connection, a 5xx or
 * a 429. The delay doubles from {@code baseDelay} up to {@code maxDelay}, with up to a quarter of
 * jitter so that parallel layer downloads do not retry in lock step.
 *
 * @param maxAttempts tries in all, at least 1 (1 means no retry)
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8));
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
        }
        if (baseDelay.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("retry delays must not be negative");
        }
    }

    /** The pause before attempt number {@code attempt + 1}, where {@code attempt} (from 1) has just failed. */
    public Duration delayAfter(int attempt) {
        long base = baseDelay.toMillis();
        long max = maxDelay.toMillis();
        long delay = Math.min(max, base << Math.min(attempt - 1, 20));
        long jitter = delay / 4 > 0 ? ThreadLocalRandom.current().nextLong(delay / 4 + 1) : 0;
        return Duration.ofMillis(delay + jitter);
    }
}
