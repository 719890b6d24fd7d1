package io.berth.json;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@code Set<String>} that is Go's {@code map[string]struct{}} on the wire: {@code {"80/tcp":
 * {}}}. {@link Json} reads the keys and writes them sorted, as Go does.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface JsonKeySet {}
